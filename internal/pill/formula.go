package pill

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/vm"
)

// refsName is the environment field holding a formula's resolved data
// references. It contains a space, which no expr identifier can, so a
// formula can never name it (or anything else in the environment) itself.
const refsName = "pill refs"

// Limits that keep a hostile formula from running away.
const (
	maxNodes     = 1000      // AST nodes per formula; real pills use a few dozen
	memoryBudget = 1_000_000 // expr VM budget: list elements, map entries and range sizes per run
)

// formulaEnv is the only thing a formula runs against. Every reference to
// trigger or steps is rewritten at compile time into an index into Refs,
// which Render fills from its own resolver, so expr never looks data up.
// cursor is rewritten the same way.
type formulaEnv struct {
	// Refs is typed any (holding *[8]any or []any) because reading an
	// interface field through reflect does not allocate, unlike a slice.
	Refs any `expr:"pill refs"`
	// Budget is what this evaluation may still spend; the charging
	// functions budgetPatcher inserts read it.
	Budget *Budget `expr:"pill budget"`
	buf    [8]any
	own    Budget // the budget of a render that came without one
}

// formula is a compiled expr program plus the data references it needs.
type formula struct {
	program *vm.Program
	paths   []*path // Refs[i] holds paths[i] resolved
	refs    []Ref   // the same references in written order
}

// compileFormula compiles code, the trimmed text of pill. Offsets in the
// returned error count characters from the start of code.
func compileFormula(code, pill string) (*formula, *SyntaxError) {
	r := &refPatcher{}
	program, err := compileBounded(code, r)
	if r.err != nil {
		r.err.Pill = pill
		return nil, r.err
	}
	if err != nil {
		return nil, compileError(err, pill)
	}
	for i, p := range r.paths {
		if p.needsStep() {
			return nil, &SyntaxError{Offset: r.pos[i], Pill: pill,
				Msg: "steps must be followed by a step id, as in steps.my_step.body"}
		}
	}
	f := &formula{program: program, paths: r.paths}
	order := make([]int, len(r.paths))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return r.pos[a] - r.pos[b] })
	for _, i := range order {
		f.refs = append(f.refs, r.paths[i].ref(pill))
	}
	return f, nil
}

// compileBounded is expr.Compile with one step added: once the formula has
// parsed and type-checked as written (so mistakes are reported in the
// user's terms), budgetPatcher makes it charge its work to the budget,
// and the result is checked again before it is compiled.
func compileBounded(code string, r *refPatcher) (*vm.Program, error) {
	config := conf.CreateNew()
	for _, op := range formulaOptions(r) {
		op(config)
	}
	for name := range config.Disabled {
		delete(config.Builtins, name)
	}
	config.Check()
	tree, err := checker.ParseCheck(code, config)
	if err != nil || r.err != nil {
		return nil, err
	}
	ast.Walk(&tree.Node, budgetPatcher{})
	if _, err := checker.Check(tree, config); err != nil {
		return nil, fmt.Errorf("formula cannot be bounded: %w", err)
	}
	if config.Optimize {
		if err := optimizer.Optimize(&tree.Node, config); err != nil {
			return nil, err
		}
	}
	return compiler.Compile(tree, config)
}

func compileError(err error, pill string) *SyntaxError {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &SyntaxError{Pill: pill, Msg: err.Error()}
	}
	msg := fe.Message
	if strings.HasPrefix(msg, "unknown name ") {
		msg += " (data references start with trigger, steps or cursor)"
	}
	return &SyntaxError{Offset: fe.From, Pill: pill, Msg: msg}
}

// formulaOptions configures expr: the environment, the reference rewriter,
// the node limit, and the builtins. Builtins that touch the file system
// (time zone loading) are removed; repeat is replaced by one whose result
// is charged to the formula budget before it is made (bounded.go).
func formulaOptions(r *refPatcher) []expr.Option {
	return []expr.Option{
		expr.Env(formulaEnv{}),
		expr.Patch(r),
		expr.MaxNodes(maxNodes),
		expr.DisableBuiltin("timezone"),
		expr.DisableBuiltin("date"),
		expr.DisableBuiltin("repeat"),
		expr.Option(functionsOption(formulaFunctions())),
	}
}

// ownFunctions are the functions pill adds to expr's builtins.
func ownFunctions() []*builtin.Function {
	return []*builtin.Function{
		{Name: "date", Func: dateWithoutZones(), Types: []reflect.Type{
			reflect.TypeFor[func(string) time.Time](),
			reflect.TypeFor[func(string, string) time.Time](),
		}},
		{Name: "repeat", Func: boundedRepeat, Types: []reflect.Type{reflect.TypeFor[func(string, int) string]()}},
		{Name: "urlEncode", Func: urlEncode, Types: []reflect.Type{reflect.TypeFor[func(string) string]()}},
		{Name: "urlDecode", Func: urlDecode, Types: []reflect.Type{reflect.TypeFor[func(string) string]()}},
	}
}

// formulaFunctions are pill's own functions and the charging functions
// of the budget patcher, built once: they never change.
var formulaFunctions = sync.OnceValue(func() []*builtin.Function {
	own := ownFunctions()
	return append(own, chargingFunctions(own)...)
})

// dateWithoutZones is expr's date builtin limited to the forms that take no
// time zone name: loading a zone reads the file system.
func dateWithoutZones() func(args ...any) (any, error) {
	var date func(args ...any) (any, error)
	for _, b := range builtin.Builtins {
		if b.Name == "date" {
			date = b.Func
		}
	}
	return func(args ...any) (any, error) {
		if date == nil {
			return nil, errors.New("date is not available")
		}
		for _, a := range args {
			if _, ok := a.(string); !ok {
				return nil, fmt.Errorf("date takes strings, not %s", KindOf(a))
			}
		}
		return date(args...)
	}
}

func boundedRepeat(args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("repeat takes a string, not %s", KindOf(args[0]))
	}
	n, ok := wholeNumber(args[1])
	if !ok || n < 0 {
		return nil, errors.New("repeat count must be a whole number of zero or more")
	}
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out), nil
}

func wholeNumber(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), int64(int(n)) == n
	case float64:
		return int(n), float64(int(n)) == n
	}
	return 0, false
}

func urlEncode(args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("urlEncode takes a string, not %s", KindOf(args[0]))
	}
	return url.QueryEscape(s), nil
}

func urlDecode(args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("urlDecode takes a string, not %s", KindOf(args[0]))
	}
	return url.QueryUnescape(s)
}

// eval resolves the formula's references, failing on the first one that
// names nothing, then runs the program, charging *shared (made here when
// the render has no budget yet). pill is the text used in errors.
func (f *formula) eval(env Env, pill string, shared **Budget) (any, error) {
	fe := &formulaEnv{}
	if *shared == nil {
		// The render's first formula keeps the budget in its own
		// environment: one allocation fewer, and later pills share it.
		fe.own = Budget{ctx: context.Background(), nextCheck: deadlineEvery}
		*shared = &fe.own
	}
	b := *shared
	fe.Budget = b
	var refs []any
	if len(f.paths) <= len(fe.buf) {
		refs = fe.buf[:len(f.paths)]
		fe.Refs = &fe.buf
	} else {
		refs = make([]any, len(f.paths))
		fe.Refs = refs
	}
	for i, p := range f.paths {
		v, err := p.resolve(env, pill)
		if err != nil {
			return nil, err
		}
		refs[i] = exprValue(v)
	}
	if err := b.deadline(); err != nil {
		return nil, fmt.Errorf("pill %s: %w", pill, err)
	}
	machine := vm.VM{MemoryBudget: memoryBudget}
	out, err := machine.Run(f.program, fe)
	if err != nil {
		return nil, runError(err, pill)
	}
	// The result is written out (as text, or as JSON in a body): charge
	// what that makes, and refuse a value too deep to write.
	size, err := b.textSize(out, 0)
	if err == nil {
		err = b.spend(0, size)
	}
	if err != nil {
		return nil, fmt.Errorf("pill %s: %w", pill, err)
	}
	out, err = resultValue(out)
	if err != nil {
		return nil, fmt.Errorf("pill %s: %w", pill, err)
	}
	return out, nil
}

// runError names the pill in an error of the VM. A budget error keeps its
// chain (errors.Is finds ErrFormulaBudget, and a context's error); the
// VM's own element budget is reported as a budget error too.
func runError(err error, pill string) error {
	if errors.Is(err, ErrFormulaBudget) {
		var be error = err
		var ferr *file.Error
		if errors.As(err, &ferr) && ferr.Unwrap() != nil {
			be = ferr.Unwrap()
		}
		return fmt.Errorf("pill %s: %w", pill, be)
	}
	var ferr *file.Error
	if errors.As(err, &ferr) {
		if strings.Contains(ferr.Message, "memory budget exceeded") {
			return fmt.Errorf("pill %s: %w: it would make more than %d list elements and map entries", pill, ErrFormulaBudget, memoryBudget)
		}
		return fmt.Errorf("pill %s: %s", pill, ferr.Message)
	}
	return fmt.Errorf("pill %s: %w", pill, err)
}

// refPatcher is the expr patch that finds data references. ast.Walk visits
// children first, so by the time a member access is visited its object has
// already been turned into a placeholder `pill refs`[i]; a constant field or
// index then extends path i and the member access collapses into the same
// placeholder. A dynamic index, an optional `?.` or a method call stops the
// chain, and expr evaluates the rest against the resolved value.
type refPatcher struct {
	paths []*path
	pos   []int // character offset of each path's root name in the formula
	err   *SyntaxError
}

// Visit implements ast.Visitor.
func (r *refPatcher) Visit(node *ast.Node) {
	if r.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case rootTrigger, rootSteps, rootCursor:
			slot := &ast.IntegerNode{Value: len(r.paths)}
			r.paths = append(r.paths, newPath(n.Value))
			r.pos = append(r.pos, n.Location().From)
			ast.Patch(node, &ast.MemberNode{Node: &ast.IdentifierNode{Value: refsName}, Property: slot})
		case "$env":
			r.fail(n, "$env is not available; data references start with trigger, steps or cursor")
		}
	case *ast.MemberNode:
		slot, ok := slotOf(n.Node)
		if !ok || n.Optional || n.Method {
			return
		}
		p := r.paths[slot]
		switch prop := n.Property.(type) {
		case *ast.StringNode:
			if p.needsStep() {
				p.setStep(prop.Value)
			} else {
				p.addKey(prop.Value)
			}
		case *ast.IntegerNode:
			if prop.Value < 0 || p.needsStep() {
				return
			}
			p.addIndex(prop.Value)
		default:
			return
		}
		*node = n.Node
	case *ast.VariableDeclaratorNode:
		if isRoot(n.Name) || n.Name == "$env" {
			r.fail(n, fmt.Sprintf("cannot use %s as a variable name", n.Name))
		}
	}
}

func (r *refPatcher) fail(n ast.Node, msg string) {
	r.err = &SyntaxError{Offset: n.Location().From, Msg: msg}
}

// slotOf reports whether n is a placeholder made by refPatcher, and its slot.
func slotOf(n ast.Node) (int, bool) {
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return 0, false
	}
	if id, ok := m.Node.(*ast.IdentifierNode); !ok || id.Value != refsName {
		return 0, false
	}
	i, ok := m.Property.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	return i.Value, true
}
