package pill

import "testing"

// TestEveryBuiltinStillCompiles: the budget patch rewrites builtin calls
// and operators into charging ones; each builtin, operator and loop must
// still type-check and run as before.
func TestEveryBuiltinStillCompiles(t *testing.T) {
	env := hostileEnv(t)
	for _, src := range []string{
		`{{ trim(" a ") + trimPrefix("ab", "a") + trimSuffix("ab", "b") }}`,
		`{{ upper("a" + "b") }}`, `{{ lower(trigger.seed) }}`,
		`{{ split("a,b", ",") }}`, `{{ splitAfter("a,b", ",") }}`, `{{ split("a,b,c", ",", 2) }}`,
		`{{ replace("aaa", "a", "b") }}`, `{{ replace("aaa", "a", "b", 1) }}`,
		`{{ repeat("ab", 3) }}`, `{{ join(["a", "b"]) }}`, `{{ join(["a", "b"], "-") }}`, `{{ join(split("a,b", ","), ";") }}`,
		`{{ indexOf("abc", "b") + lastIndexOf("abc", "c") }}`, `{{ hasPrefix("abc", "a") && hasSuffix("abc", "c") }}`,
		`{{ max(1, 2) + min(3, 4) }}`, `{{ max([1, 5, 2]) }}`, `{{ mean([1, 2]) + median([1, 2, 3]) }}`,
		`{{ toJSON({"a": 1}) }}`, `{{ fromJSON("{\"a\": [1]}").a[0] }}`,
		`{{ toBase64("x") + fromBase64("eA==") }}`,
		`{{ now().Year() > 2000 }}`, `{{ duration("1h").Hours() }}`, `{{ date("2024-01-02").Year() }}`, `{{ date("2024-01-02", "2006-01-02").Day() }}`,
		`{{ first([1, 2]) + last([1, 2]) }}`, `{{ get({"a": 1}, "a") }}`, `{{ take([1, 2, 3], 2) }}`,
		`{{ keys({"a": 1}) }}`, `{{ values({"a": 1}) }}`, `{{ toPairs({"a": 1}) }}`, `{{ len(fromPairs([["a", 1]])) }}`,
		`{{ reverse([1, 2]) }}`, `{{ uniq([1, 1, 2]) }}`, `{{ concat([1], [2]) }}`, `{{ flatten([[1], [2, [3]]]) }}`,
		`{{ sort([3, 1, 2]) }}`, `{{ sort(["b", "a"], "desc") }}`, `{{ sortBy(trigger.items[0:3], -#.id)[0].id }}`,
		`{{ groupBy(trigger.items[0:4], #.id % 2)[0][0].id }}`, `{{ count(trigger.items, #.id > 5) }}`, `{{ sum([1, 2]) }}`, `{{ sum(trigger.items[0:3], #.id) }}`,
		`{{ all([1], # > 0) && any([1], # > 0) && none([1], # < 0) && one([1], # == 1) }}`,
		`{{ find([1, 2], # > 1) + findIndex([1, 2], # > 1) }}`, `{{ findLast([1, 2], # > 0) }}`, `{{ findLastIndex([1, 2], # > 0) }}`,
		`{{ filter(1..10, # % 2 == 0) }}`, `{{ map(1..3, # * 2) }}`, `{{ reduce(1..3, #acc + #, 0) }}`, `{{ reduce(1..3, #acc + #) }}`,
		`{{ len("abc") + abs(-1) + ceil(1.5) + floor(1.5) + round(1.5) + int("3") + float("1.5") }}`,
		`{{ type(1) + string(1) }}`, `{{ bitand(1, 3) + bitnot(1) }}`, `{{ urlEncode("a b") + urlDecode("a+b") }}`,
		`{{ "a" in ["a"] && "b" not in ["a"] && "abc" contains "b" && "abc" startsWith "a" && "abc" endsWith "c" }}`,
		`{{ "abc" matches "^a" && trigger.seed matches trigger.seed }}`,
		`{{ trigger.items[0].id + 1 }}`, `{{ trigger.seed + "!" }}`, `{{ 1 + 2 * 3 }}`, `{{ 1.5 + 2 }}`,
		`{{ now() + duration("1h") > now() }}`, `{{ [1, 2] == [1, 2] }}`, `{{ {"a": 1}.a }}`,
		`{{ let x = trigger.seed; x + x }}`, `{{ trigger?.nope ?? "d" }}`, `{{ 1..3 | map(# + 1) | sum() }}`,
	} {
		tmpl, err := Compile(src)
		if err != nil {
			t.Errorf("Compile(%s): %v", src, err)
			continue
		}
		if _, err := tmpl.Render(env); err != nil {
			t.Errorf("Render(%s): %v", src, err)
		}
	}
}
