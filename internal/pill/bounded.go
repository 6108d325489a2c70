package pill

import (
	"fmt"
	"math/bits"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
)

// budgetName is the environment field holding the evaluation's *Budget.
// Like refsName it has a space, so only the budget patcher can name it;
// so do the names of the charging functions below.
const budgetName = "pill budget"

// Names of the charging functions the budget patcher calls.
const (
	fnAdd   = "pill add"   // a + b: charges a string's bytes
	fnRange = "pill range" // a..b: charges the list
	fnLoop  = "pill loop"  // the collection of a loop: charges len × body nodes
	fnAcc   = "pill acc"   // reduce's accumulator: its depth
	fnRead  = "pill read"  // an operand of a comparison: the work to compare it
	fnRegex = "pill regex" // a pattern matches compiles on every run
	wrapped = "pill "      // prefix of a charging builtin: "pill upper"
)

// freeBuiltin reports whether a builtin costs O(1) whatever it is given;
// those are left as they are.
func freeBuiltin(name string) bool {
	switch name {
	case "len", "type", "abs", "ceil", "floor", "round", "int", "float", "now", "duration", "get",
		"first", "last", "bitand", "bitor", "bitxor", "bitnand", "bitnot", "bitshl", "bitshr", "bitushr":
		return true
	}
	return false
}

// loopBuiltin reports whether expr compiles a builtin as a loop over its
// first argument, and the bytes an element costs: those that build a list
// or map are charged 16 bytes an element.
func loopBuiltin(name string) (bytesPer int, ok bool) {
	switch name {
	case "all", "none", "any", "one", "find", "findIndex", "findLast", "findLastIndex", "count", "sum", "reduce":
		return 0, true
	case "filter", "map", "groupBy", "sortBy":
		return elementBytes, true
	}
	return 0, false
}

// ownFunction reports whether name is one of pill's own functions
// (ownFunctions), charged like builtins.
func ownFunction(name string) bool {
	switch name {
	case "date", "repeat", "urlEncode", "urlDecode":
		return true
	}
	return false
}

// budgetPatcher rewrites a checked formula so that everything it could
// repeat or scale is charged to the budget first (see Budget). It runs
// after refPatcher and after the formula type-checked, so that a user's
// mistakes are reported as written; the rewritten tree is checked again.
type budgetPatcher struct{}

func budgetArg() ast.Node { return &ast.IdentifierNode{Value: budgetName} }

func call(name string, args ...ast.Node) *ast.CallNode {
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: name}, Arguments: args}
}

// Visit implements ast.Visitor. ast.Walk visits children first, so a node
// this patcher adds is never visited again.
func (budgetPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "+":
			if !scalarOperand(n.Left) && !scalarOperand(n.Right) {
				ast.Patch(node, call(fnAdd, budgetArg(), n.Left, n.Right))
			}
		case "..":
			ast.Patch(node, call(fnRange, budgetArg(), n.Left, n.Right))
		case "==", "!=", "<", ">", "<=", ">=", "in", "matches", "contains", "startsWith", "endsWith":
			readOperand(&n.Left)
			if _, constant := n.Right.(*ast.StringNode); n.Operator == "matches" && !constant {
				// expr compiles a constant pattern once, any other on every run.
				n.Right = call(fnRegex, budgetArg(), n.Right)
				return
			}
			readOperand(&n.Right)
		}
	case *ast.BuiltinNode:
		if bytesPer, ok := loopBuiltin(n.Name); ok {
			if len(n.Arguments) == 0 {
				return
			}
			weight := 1
			for _, a := range n.Arguments[1:] {
				weight += countNodes(a)
			}
			n.Arguments[0] = call(fnLoop, budgetArg(), n.Arguments[0], &ast.IntegerNode{Value: weight}, &ast.IntegerNode{Value: bytesPer})
			if n.Name == "reduce" {
				if p, ok := n.Arguments[1].(*ast.PredicateNode); ok {
					p.Node = call(fnAcc, budgetArg(), p.Node)
				}
				if len(n.Arguments) > 2 {
					n.Arguments[2] = call(fnAcc, budgetArg(), n.Arguments[2])
				}
			}
			return
		}
		if freeBuiltin(n.Name) {
			return
		}
		ast.Patch(node, call(wrapped+n.Name, append([]ast.Node{budgetArg()}, n.Arguments...)...))
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && ownFunction(id.Value) {
			ast.Patch(node, call(wrapped+id.Value, append([]ast.Node{budgetArg()}, n.Arguments...)...))
		}
	}
}

// scalarOperand reports whether an operand of + is known to be a number,
// time or duration, so that the + cannot be joining strings.
func scalarOperand(n ast.Node) bool {
	t := n.Type()
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool:
		return true
	case reflect.Struct:
		return true // time.Time
	}
	return false
}

// readOperand charges the work of comparing an operand that may be large:
// anything but a constant or a known scalar.
func readOperand(n *ast.Node) {
	switch (*n).(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NilNode, *ast.ConstantNode:
		return
	}
	if scalarOperand(*n) {
		return
	}
	*n = call(fnRead, budgetArg(), *n)
}

func countNodes(n ast.Node) int {
	c := &nodeCounter{}
	ast.Walk(&n, c)
	return c.n
}

type nodeCounter struct{ n int }

func (c *nodeCounter) Visit(*ast.Node) { c.n++ }

// chargingFunctions returns the functions the patched formula calls:
// the charging operators, and a charging twin of every builtin and of
// pill's own functions, typed like the original with the budget first.
func chargingFunctions(own []*builtin.Function) []*builtin.Function {
	fns := []*builtin.Function{
		{Name: fnAdd, Func: budgetAdd},
		{Name: fnRange, Func: budgetRange},
		{Name: fnLoop, Func: budgetLoop},
		{Name: fnAcc, Func: budgetAcc},
		{Name: fnRead, Func: budgetRead},
		{Name: fnRegex, Func: budgetRegex},
	}
	for _, f := range builtin.Builtins {
		if _, loop := loopBuiltin(f.Name); loop || f.Predicate || freeBuiltin(f.Name) || ownFunction(f.Name) {
			continue
		}
		fns = append(fns, chargingTwin(f))
	}
	for _, f := range own {
		fns = append(fns, chargingTwin(f))
	}
	return fns
}

var budgetType = reflect.TypeOf((*Budget)(nil))

// chargingTwin is f with the budget as first argument: it charges its
// inputs (and, for the builtins whose result can outgrow their inputs,
// the result worked out beforehand), calls f, then charges what it made.
func chargingTwin(f *builtin.Function) *builtin.Function {
	name := f.Name
	orig := f
	twin := &builtin.Function{Name: wrapped + name}
	twin.Func = func(args ...any) (any, error) {
		b, ok := args[0].(*Budget)
		if !ok {
			return nil, fmt.Errorf("%s: no budget", name)
		}
		in := args[1:]
		charged, err := chargeBefore(b, name, in)
		if err != nil {
			return nil, err
		}
		out, err := callBuiltin(orig, in)
		if err != nil {
			return nil, err
		}
		if err := b.spend(1, max(0, producedBytes(out)-charged)); err != nil {
			return nil, err
		}
		return out, nil
	}
	for _, t := range f.Types {
		twin.Types = append(twin.Types, withBudgetFirst(t))
	}
	if f.Validate != nil {
		validate := f.Validate
		twin.Validate = func(args []reflect.Type) (reflect.Type, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("%s: no budget", name)
			}
			return validate(args[1:])
		}
	}
	return twin
}

func withBudgetFirst(t reflect.Type) reflect.Type {
	in := []reflect.Type{budgetType}
	for i := range t.NumIn() {
		in = append(in, t.In(i))
	}
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	return reflect.FuncOf(in, out, t.IsVariadic())
}

func callBuiltin(f *builtin.Function, args []any) (any, error) {
	switch {
	case f.Func != nil:
		return f.Func(args...)
	case f.Safe != nil:
		out, _, err := f.Safe(args...)
		return out, err
	case f.Fast != nil && len(args) == 1:
		return f.Fast(args[0]), nil
	}
	return nil, fmt.Errorf("%s takes other arguments", f.Name)
}

// chargeBefore charges reading the inputs, and for a builtin whose result
// can be much larger than its inputs, the result's size, before the
// builtin makes it. It returns the bytes of the result it charged.
func chargeBefore(b *Budget, name string, in []any) (int, error) {
	ops := 0
	for _, a := range in {
		ops += readCost(a)
	}
	if name == "sort" && len(in) > 0 {
		n := reflectLen(in[0])
		ops += n * bits.Len(uint(n)) // comparisons
	}
	if err := b.spend(ops, 0); err != nil {
		return 0, err
	}
	switch name {
	case "repeat":
		if len(in) == 2 {
			s, _ := in[0].(string)
			n, _ := wholeNumber(in[1])
			n = max(n, 0) // repeat itself refuses a negative count
			if n > 0 && len(s) > 0 && n > FormulaByteBudget/len(s) {
				return 0, fmt.Errorf("%w: repeat would produce more than %d bytes", ErrFormulaBudget, FormulaByteBudget)
			}
			return len(s) * n, b.spend(stringOps(len(s)*n), len(s)*n)
		}
	case "replace":
		if len(in) >= 3 {
			s, _ := in[0].(string)
			old, _ := in[1].(string)
			repl, _ := in[2].(string)
			n := len(s) + 1
			if old != "" {
				n = strings.Count(s, old)
			}
			if grow := len(repl) - len(old); grow > 0 && n > FormulaByteBudget/grow {
				return 0, fmt.Errorf("%w: replace would produce more than %d bytes", ErrFormulaBudget, FormulaByteBudget)
			}
			grown := max(0, n*(len(repl)-len(old)))
			return len(s) + grown, b.spend(stringOps(len(s)), len(s)+grown)
		}
	case "join":
		if len(in) >= 1 {
			sep := ""
			if len(in) > 1 {
				sep, _ = in[1].(string)
			}
			n := reflectLen(in[0])
			if len(sep) > 0 && n > FormulaByteBudget/len(sep) {
				return 0, fmt.Errorf("%w: join would produce more than %d bytes", ErrFormulaBudget, FormulaByteBudget)
			}
			size, err := b.textSize(in[0], 0)
			if err != nil {
				return 0, err
			}
			return size + n*len(sep), b.spend(0, size+n*len(sep))
		}
	case "concat", "flatten":
		size := 0
		for _, a := range in {
			n, err := b.textSize(a, 0)
			if err != nil {
				return 0, err
			}
			size += n
		}
		return size, b.spend(0, size)
	case "toJSON", "string":
		if len(in) == 1 {
			// toJSON is json.MarshalIndent (two spaces a level), which writes
			// the text twice into buffers grown by doubling: charged three
			// times its size. string is fmt's buffer, grown by doubling.
			indent, copies := 0, 2
			if name == "toJSON" {
				indent, copies = 2, 3
			}
			size, err := b.textSize(in[0], indent)
			if err != nil {
				return 0, err
			}
			return size, b.spend(0, copies*size)
		}
	case "fromPairs", "toPairs", "uniq", "sort", "reverse", "keys", "values":
		if len(in) >= 1 {
			if err := b.checkDepth(in[0]); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

func reflectLen(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len()
	}
	return 0
}

func budgetOf(args []any) (*Budget, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no budget")
	}
	b, ok := args[0].(*Budget)
	if !ok {
		return nil, fmt.Errorf("no budget")
	}
	return b, nil
}

// budgetAdd is a + b with a string result charged before it is made.
func budgetAdd(args ...any) (any, error) {
	b, err := budgetOf(args)
	if err != nil {
		return nil, err
	}
	if x, ok := args[1].(string); ok {
		if y, ok := args[2].(string); ok {
			if err := b.spend(1, len(x)+len(y)); err != nil {
				return nil, err
			}
			return x + y, nil
		}
	}
	return runtime.Add(args[1], args[2]), nil
}

// budgetRange is a..b with the list charged before it is made.
func budgetRange(args ...any) (any, error) {
	b, err := budgetOf(args)
	if err != nil {
		return nil, err
	}
	lo, hi := runtime.ToInt(args[1]), runtime.ToInt(args[2])
	size := 0
	if hi >= lo {
		size = hi - lo + 1
		if size <= 0 || size > FormulaOpBudget {
			return nil, fmt.Errorf("%w: the range %d..%d has more than %d numbers", ErrFormulaBudget, lo, hi, FormulaOpBudget)
		}
	}
	if err := b.spend(size, size*elementBytes); err != nil {
		return nil, err
	}
	return runtime.MakeRange(lo, hi), nil
}

// budgetLoop charges a loop before it runs: its length times the nodes of
// its body, and for a loop that builds a list, 16 bytes an element.
func budgetLoop(args ...any) (any, error) {
	b, err := budgetOf(args)
	if err != nil {
		return nil, err
	}
	n := reflectLen(args[1])
	weight, bytesPer := args[2].(int), args[3].(int)
	if n > 0 && n > FormulaOpBudget/weight {
		return nil, fmt.Errorf("%w: a loop over %d items would take more than %d operations", ErrFormulaBudget, n, FormulaOpBudget)
	}
	ops := n * weight
	if bytesPer > 0 {
		ops += n * bits.Len(uint(n)) // sortBy compares, groupBy hashes
	}
	if err := b.spend(ops, n*bytesPer); err != nil {
		return nil, err
	}
	return args[1], nil
}

// budgetAcc checks the depth of reduce's accumulator: the one way a
// formula can nest a value once per iteration.
func budgetAcc(args ...any) (any, error) {
	b, err := budgetOf(args)
	if err != nil {
		return nil, err
	}
	if err := b.checkDepth(args[1]); err != nil {
		return nil, err
	}
	return args[1], nil
}

// budgetRead charges comparing an operand: its strings' bytes and its
// elements, nested ones included.
func budgetRead(args ...any) (any, error) {
	b, err := budgetOf(args)
	if err != nil {
		return nil, err
	}
	switch v := args[1].(type) {
	case string:
		err = b.spend(stringOps(len(v)), 0)
	case []any, map[string]any:
		_, err = b.textSize(v, 0)
	default:
		err = b.spend(readCost(v), 0)
	}
	if err != nil {
		return nil, err
	}
	return args[1], nil
}

// regexOps is what compiling a regular expression costs beyond its length:
// compiling even a short one takes as long as a few hundred other steps.
const regexOps = 256

// budgetRegex charges compiling a pattern that is not a constant.
func budgetRegex(args ...any) (any, error) {
	b, err := budgetOf(args)
	if err != nil {
		return nil, err
	}
	n := 0
	if s, ok := args[1].(string); ok {
		n = len(s)
	}
	if err := b.spend(regexOps+n, n); err != nil {
		return nil, err
	}
	return args[1], nil
}

// functionsOption adds fns to the configuration as expr.Function would,
// but keeps each one's Validate, which expr.Function cannot take.
func functionsOption(fns []*builtin.Function) func(*conf.Config) {
	return func(c *conf.Config) {
		for _, f := range fns {
			c.Functions[f.Name] = f
		}
	}
}
