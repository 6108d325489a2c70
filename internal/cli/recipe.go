package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/client"
)

// recipeStdin is what `recipe apply -f -` reads; tests replace it.
var recipeStdin io.Reader = os.Stdin

const (
	recipeUsage       = "patchbay recipe apply -f FILE|DIR | patchbay recipe export ID [-o yaml|json] | patchbay recipe export --all DIR"
	recipeApplyUsage  = "patchbay recipe apply -f FILE|DIR|- [--server URL] [--token TOKEN]"
	recipeExportUsage = "patchbay recipe export ID [-o yaml|json] | patchbay recipe export --all DIR [-o yaml|json] [--server URL] [--token TOKEN]"
)

// runRecipe runs `patchbay recipe ...`; args are what follows "recipe".
func runRecipe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	getenv = envOrEmpty(getenv)
	if len(args) == 0 {
		return errUsage("recipe: missing subcommand\nusage: %s", recipeUsage)
	}
	switch args[0] {
	case "apply":
		return recipeApply(ctx, args[1:], stdout, stderr, getenv)
	case "export":
		return recipeExport(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprintf(stdout, "usage: %s\n", recipeUsage)
		return nil
	default:
		return errUsage("recipe: unknown subcommand %q\nusage: %s", args[0], recipeUsage)
	}
}

// recipeIDByName returns the id of the recipe called name among recipes,
// or "" if there is none. Names are not unique on the server, so several
// matches are an error rather than a guess about which one to overwrite.
func recipeIDByName(recipes []apiview.RecipeView, name string) (string, error) {
	id := ""
	for _, r := range recipes {
		if r.Name != name {
			continue
		}
		if id != "" {
			return "", fmt.Errorf("several recipes are named %q (%s, %s, ...); put the id of the one to update in the file", name, id, r.ID)
		}
		id = r.ID
	}
	return id, nil
}

// resolveRecipe turns a recipe id or name into an id. An exact id match
// wins over a name, so a recipe named like another's id cannot shadow it.
func resolveRecipe(ctx context.Context, c *client.Client, idOrName string) (string, error) {
	recipes, err := c.Recipes(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range recipes {
		if r.ID == idOrName {
			return r.ID, nil
		}
	}
	var found []string
	for _, r := range recipes {
		if r.Name == idOrName {
			found = append(found, r.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no recipe with id or name %q", idOrName)
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("several recipes are named %q (%s, %s, ...); use the id", idOrName, found[0], found[1])
	}
}
func readRecipeFile(name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(recipeStdin)
		if err != nil {
			return nil, fmt.Errorf("reading recipe from stdin: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading recipe file: %w", err)
	}
	return data, nil
}

func displayName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

// recipeDocument turns the bytes of a recipe file into a JSON object.
// JSON input is used verbatim rather than round-tripped through YAML,
// which would be harmless for valid recipes but could reinterpret odd
// values; anything else is read as YAML. Either way the result keeps
// numbers as numbers and block scalars (payload_example: |) as strings.
func recipeDocument(data []byte) (jsonObject, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, errors.New("recipe file is empty")
	}
	var j []byte
	if trimmed[0] == '{' && json.Valid(trimmed) {
		j = trimmed
	} else {
		var err error
		if j, err = yaml.YAMLToJSON(trimmed); err != nil {
			return nil, fmt.Errorf("not valid YAML or JSON: %w", err)
		}
	}
	doc, err := parseObject(j)
	if err != nil {
		return nil, errors.New("a recipe must be a mapping of fields (name, trigger, steps, ...)")
	}
	return doc, nil
}

// jsonField is one member of a jsonObject.
type jsonField struct {
	key   string
	value json.RawMessage
}

// jsonObject is a JSON object that remembers the order of its members, so
// that export prints a recipe in the order the server wrote it (name and
// trigger before the steps) instead of alphabetically. Only the top level
// is ordered; nested values are kept as raw JSON.
type jsonObject []jsonField

// parseObject reads a JSON object. A repeated key keeps its first position
// and its last value, matching what encoding/json would decode.
func parseObject(data []byte) (jsonObject, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var obj jsonObject
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if i, ok := index[key]; ok {
			obj[i].value = v
			continue
		}
		index[key] = len(obj)
		obj = append(obj, jsonField{key: key, value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON object")
	}
	return obj, nil
}

// stringField returns the string member key, "" if it is absent or null,
// and an error if it is something other than a string.
func (o jsonObject) stringField(key string) (string, error) {
	for _, f := range o {
		if f.key != key {
			continue
		}
		if string(f.value) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(f.value, &s); err != nil {
			return "", fmt.Errorf("%s must be a string", key)
		}
		return s, nil
	}
	return "", nil
}

// without returns a copy of o minus the given keys.
func (o jsonObject) without(keys ...string) jsonObject {
	drop := make(map[string]bool, len(keys))
	for _, k := range keys {
		drop[k] = true
	}
	out := make(jsonObject, 0, len(o))
	for _, f := range o {
		if !drop[f.key] {
			out = append(out, f)
		}
	}
	return out
}

// MarshalJSON writes the members in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o jsonObject) indentJSON() ([]byte, error) {
	compact, err := o.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// toYAML converts member by member and concatenates the results: the YAML
// converter sorts mapping keys, so converting the object whole would lose
// the top-level order. Each value is first re-encoded by encoding/json so
// that the YAML parser only ever sees JSON escapes it understands.
func (o jsonObject) toYAML() ([]byte, error) {
	if len(o) == 0 {
		return []byte("{}\n"), nil
	}
	var b bytes.Buffer
	for _, f := range o {
		dec := json.NewDecoder(bytes.NewReader(f.value))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.key, err)
		}
		j, err := json.Marshal(map[string]any{f.key: v})
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.key, err)
		}
		y, err := yaml.JSONToYAML(j)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.key, err)
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}
