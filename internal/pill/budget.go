package pill

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The hard budget of formula evaluation. Every piece of work a formula can
// repeat or scale (loop iterations, string building, builtins over lists
// and strings, comparisons of large values, the result itself) is charged
// before it is done; the first charge over a bound stops the evaluation
// with an error wrapping ErrFormulaBudget that names the pill.
const (
	// FormulaByteBudget bounds the bytes a render's formulas produce:
	// strings built by +, repeat, replace, join, upper, toJSON and the
	// like, lists made by ranges, map, filter and builtins (16 bytes an
	// element), and the results themselves. Produced, not live: a string
	// doubled 20 times from 16 bytes costs the sum of all the copies.
	FormulaByteBudget = 16 << 20
	// FormulaOpBudget bounds the operations of a render's formulas: a loop
	// (map, filter, reduce, all, sum, ...) costs its length times the
	// syntax nodes of its body, a builtin one per list element or per 64
	// bytes of string it reads, a comparison one per element or 64 bytes
	// of what it compares.
	FormulaOpBudget = 2_000_000
	// MaxValueDepth bounds how deeply a value a formula builds may nest
	// (checked on reduce's accumulator, the inputs of toJSON, string and
	// flatten, and the result). Comparing or printing a value recurses
	// once a level: a reduce wrapping its accumulator 240,000 times made
	// one == take 5 s and 500 MB of stack.
	MaxValueDepth = 256
	// deadlineEvery is how many operations may be charged between two
	// looks at the context's deadline.
	deadlineEvery = 1 << 14
	// stringChunk is the bytes of string read that cost one operation.
	stringChunk = 64
	// elementBytes is what one list element or map entry is charged.
	elementBytes = 16
)

// ErrFormulaBudget is wrapped by every error of a formula stopped by its
// budget: too many bytes, too many operations, a value nested too deeply,
// or the deadline of the render's context.
var ErrFormulaBudget = errors.New("formula budget exceeded")

// Budget is what the formulas of one render may spend, and the context
// whose deadline stops them. One Budget may be shared by every template a
// step renders (Env.Budget), so that a step's URL, headers, query and body
// together stay within it. A Budget is used by one goroutine at a time.
type Budget struct {
	ctx context.Context
	// stop, when set, is a deadline of the budget's own (NewBudgetUntil).
	// A pointer: a render's lazily made Budget stays in its size class.
	stop      *time.Time
	bytes     int
	ops       int
	nextCheck int
	// depths remembers the depth of containers already measured, so a
	// reduce that wraps its accumulator costs one look per new level.
	// The keys hold the containers alive for the evaluation, so an address
	// is never reused for another container while it is remembered.
	depths map[depthKey]int
}

type depthKey struct {
	p unsafe.Pointer
	n int
}

// NewBudget returns a fresh budget whose evaluations stop when ctx is done.
func NewBudget(ctx context.Context) *Budget {
	if ctx == nil {
		ctx = context.Background()
	}
	return &Budget{ctx: ctx, nextCheck: deadlineEvery}
}

// NewBudgetUntil is NewBudget whose evaluations also stop at stop. It
// costs no timer and no derived context, which context.WithDeadline would
// for every render: the time is only read where ctx would be, once every
// deadlineEvery operations, and only when a formula runs that long.
func NewBudgetUntil(ctx context.Context, stop time.Time) *Budget {
	b := NewBudget(ctx)
	b.stop = &stop
	return b
}

// spend charges ops operations and bytes bytes, refusing the charge that
// goes over a bound.
func (b *Budget) spend(ops, bytes int) error {
	if ops < 0 || bytes < 0 {
		return fmt.Errorf("%w: a size overflowed", ErrFormulaBudget)
	}
	b.ops += ops
	b.bytes += bytes
	if b.bytes > FormulaByteBudget || b.bytes < 0 {
		return fmt.Errorf("%w: it would produce more than %d bytes", ErrFormulaBudget, FormulaByteBudget)
	}
	if b.ops > FormulaOpBudget || b.ops < 0 {
		return fmt.Errorf("%w: it would take more than %d operations", ErrFormulaBudget, FormulaOpBudget)
	}
	if b.ops >= b.nextCheck {
		b.nextCheck = b.ops + deadlineEvery
		return b.deadline()
	}
	return nil
}

func (b *Budget) deadline() error {
	if err := b.ctx.Err(); err != nil {
		return fmt.Errorf("%w: stopped by the step's deadline: %w", ErrFormulaBudget, err)
	}
	if b.stop != nil && !time.Now().Before(*b.stop) {
		return fmt.Errorf("%w: stopped by the step's deadline: %w", ErrFormulaBudget, context.DeadlineExceeded)
	}
	return nil
}

// stringOps is what reading s costs.
func stringOps(n int) int { return n/stringChunk + 1 }

// readCost is the operations a builtin spends reading v once: a list's
// elements, a map's entries, a string's chunks.
func readCost(v any) int {
	switch t := v.(type) {
	case string:
		return stringOps(len(t))
	case []any:
		return len(t) + 1
	case map[string]any:
		return len(t) + 1
	case nil, bool, int, float64:
		return 1
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len() + 1
	}
	return 1
}

// producedBytes is what a new value v costs, one level deep: a string's
// bytes, 16 bytes a list element or map entry. Nested containers were
// charged when they were made.
func producedBytes(v any) int {
	switch t := v.(type) {
	case string:
		return len(t)
	case []any:
		return len(t) * elementBytes
	case map[string]any:
		return len(t) * elementBytes
	case nil, bool, int, float64:
		return 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len() * elementBytes
	case reflect.String:
		return rv.Len()
	}
	return 0
}

// checkDepth refuses a value nested deeper than MaxValueDepth, charging
// one operation for each container it has not measured before.
func (b *Budget) checkDepth(v any) error {
	d, err := b.depth(v, 0)
	if err != nil {
		return err
	}
	if d > MaxValueDepth {
		return fmt.Errorf("%w: a value nests more than %d levels deep", ErrFormulaBudget, MaxValueDepth)
	}
	return nil
}

func (b *Budget) depth(v any, level int) (int, error) {
	if level > MaxValueDepth {
		return level, nil // deep enough to refuse; no need to go on
	}
	var key depthKey
	var children func(yield func(any) bool)
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			return 1, nil
		}
		key = depthKey{unsafe.Pointer(unsafe.SliceData(t)), len(t)}
		children = func(yield func(any) bool) {
			for _, e := range t {
				if !yield(e) {
					return
				}
			}
		}
	case map[string]any:
		if len(t) == 0 {
			return 1, nil
		}
		key = depthKey{reflect.ValueOf(t).UnsafePointer(), -1}
		children = func(yield func(any) bool) {
			for _, e := range t {
				if !yield(e) {
					return
				}
			}
		}
	default:
		// Lists of numbers or strings made by builtins hold no containers.
		return 0, nil
	}
	if d, ok := b.depths[key]; ok {
		return d, nil
	}
	if err := b.spend(1, 0); err != nil {
		return 0, err
	}
	deepest := 0
	var err error
	children(func(e any) bool {
		var d int
		if d, err = b.depth(e, level+1); err != nil {
			return false
		}
		if err = b.spend(1, 0); err != nil {
			return false
		}
		deepest = max(deepest, d)
		return deepest+level < MaxValueDepth+1
	})
	if err != nil {
		return 0, err
	}
	if b.depths == nil {
		b.depths = map[depthKey]int{}
	}
	b.depths[key] = deepest + 1
	return deepest + 1, nil
}

// textSize charges the walk of v, every reference counted (a list holding
// one string a million times prints it a million times), and returns an
// upper bound of its size as JSON or as text: strings escaped at worst,
// each element its separators and, for indented JSON, indentation of
// indent bytes a level. It stops at the first charge over budget.
func (b *Budget) textSize(v any, indent int) (int, error) {
	if err := b.checkDepth(v); err != nil {
		return 0, err
	}
	return b.textSizeAt(v, indent, 0)
}

func (b *Budget) textSizeAt(v any, indent, level int) (int, error) {
	size := 0
	switch t := v.(type) {
	case string:
		size = jsonStringSize(t)
		if err := b.spend(stringOps(len(t)), 0); err != nil {
			return 0, err
		}
		return size, nil
	case []any:
		size = 2
		for _, e := range t {
			n, err := b.textSizeAt(e, indent, level+1)
			if err != nil {
				return 0, err
			}
			size += n + 2 + indent*(level+1)
			if err := b.spend(1, 0); err != nil {
				return 0, err
			}
			if size > FormulaByteBudget {
				return size, nil
			}
		}
		return size, nil
	case map[string]any:
		size = 2
		for k, e := range t {
			n, err := b.textSizeAt(e, indent, level+1)
			if err != nil {
				return 0, err
			}
			size += n + jsonStringSize(k) + 3 + indent*(level+1)
			if err := b.spend(1+stringOps(len(k)), 0); err != nil {
				return 0, err
			}
			if size > FormulaByteBudget {
				return size, nil
			}
		}
		return size, nil
	case nil, bool, int, float64:
		return 24, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		n := rv.Len()
		if err := b.spend(n, 0); err != nil {
			return 0, err
		}
		if rv.Type().Elem().Kind() == reflect.String {
			for i := range n {
				size += jsonStringSize(rv.Index(i).String()) + 2
			}
			return size + 2, nil
		}
		return 2 + n*(26+indent*(level+1)), nil
	case reflect.String:
		return jsonStringSize(rv.String()), nil
	}
	return 64, nil // times, durations and other scalars print short
}

// jsonStringSize bounds the length of s as a quoted JSON string: what
// encoding/json escapes takes six bytes.
func jsonStringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				n += 6
			} else {
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += w
		}
		i += w
	}
	return n
}
