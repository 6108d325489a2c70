package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/client"
	"github.com/patchbay/patchbay/internal/recipe"
)

// Outcomes of applying one recipe file.
const (
	applyCreated   = "created"
	applyUpdated   = "updated"
	applyUnchanged = "unchanged"
	applyFailed    = "failed"
)

// recipeFileExts are the files `recipe apply -f DIR` reads.
var recipeFileExts = []string{".yaml", ".yml", ".json"}

// recipeApply creates or updates recipes from a file, stdin (-f -) or
// every recipe file of a folder.
//
// Which recipe a file updates: the recipe whose id the file names, else
// the one recipe with the file's name, else none (a new recipe is
// created). `recipe export` leaves ids out, so its files go to the recipe
// of the same name in whatever workspace they are applied to; renaming a
// recipe in its file therefore creates a new recipe. A file whose
// document equals the stored one (after the server's defaults are filled
// in) is left alone: "unchanged", nothing is written.
func recipeApply(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := newAPICommand("recipe apply", recipeApplyUsage, getenv)
	file := cmd.flags.String("f", "", "recipe file or folder of recipe files (*.yaml, *.yml, *.json), YAML or JSON (- reads stdin)")
	pos, done, err := cmd.parse(args, stdout)
	if err != nil || done {
		return err
	}
	if len(pos) > 0 {
		return errUsage("recipe apply: unexpected argument %q\nusage: %s", pos[0], recipeApplyUsage)
	}
	if *file == "" {
		return errUsage("recipe apply: -f FILE is required\nusage: %s", recipeApplyUsage)
	}
	if *file != "-" {
		if fi, err := os.Stat(*file); err == nil && fi.IsDir() {
			return applyFolder(ctx, cmd, *file, stdout)
		}
	}

	data, err := readRecipeFile(*file)
	if err != nil {
		return err
	}
	doc, err := recipeDocument(data)
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(*file), err)
	}
	c, err := cmd.client()
	if err != nil {
		return err
	}
	a := &applier{c: c}
	res, err := a.apply(ctx, doc)
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			return reportError(stderr, "recipe apply", err)
		}
		return fmt.Errorf("%s: %w", displayName(*file), err)
	}
	fmt.Fprintf(stdout, "%s recipe %s (%s)\n", res.outcome, res.id, res.name)
	return nil
}

// applyFolder applies every recipe file of dir in name order, one line
// per file, then a summary. It fails if any file failed; the others are
// applied all the same.
func applyFolder(ctx context.Context, cmd *apiCommand, dir string, stdout io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("recipe apply: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(recipeFileExts, strings.ToLower(filepath.Ext(e.Name()))) {
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)
	if len(files) == 0 {
		return fmt.Errorf("recipe apply: no recipe files (*.yaml, *.yml, *.json) in %s", dir)
	}
	c, err := cmd.client()
	if err != nil {
		return err
	}
	a := &applier{c: c, byName: map[string]string{}}
	counts := map[string]int{}
	width := 0
	for _, f := range files {
		width = max(width, len(f))
	}
	for _, f := range files {
		res, err := a.applyFile(ctx, filepath.Join(dir, f))
		if err != nil {
			res.outcome = applyFailed
		}
		counts[res.outcome]++
		line := fmt.Sprintf("%-9s  %-*s", res.outcome, width, f)
		if err != nil {
			line += "  " + oneLineError(err)
		} else {
			line += fmt.Sprintf("  recipe %s (%s)", res.id, res.name)
		}
		fmt.Fprintln(stdout, strings.TrimRight(line, " "))
		if errors.Is(err, context.Canceled) {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d files: %d created, %d updated, %d unchanged, %d failed\n", len(files),
		counts[applyCreated], counts[applyUpdated], counts[applyUnchanged], counts[applyFailed])
	if n := counts[applyFailed]; n > 0 {
		return fmt.Errorf("recipe apply: %d of %d files failed", n, len(files))
	}
	return nil
}

// oneLineError is an error on one line: a server error's message, or its
// problems by path ("steps[0].url: is required; trigger.type: …").
func oneLineError(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	if len(ce.Details) == 0 {
		return fmt.Sprintf("%s (%d)", ce.Message, ce.Status)
	}
	parts := make([]string, len(ce.Details))
	for i, d := range ce.Details {
		parts[i] = d.Message
		if d.Path != "" {
			parts[i] = d.Path + ": " + d.Message
		}
	}
	return strings.Join(parts, "; ")
}

// applier applies recipe files against one server. It reads the list of
// recipes once (to find recipes by name and to tell unchanged files) and
// keeps it current as it creates and updates.
type applier struct {
	c       *client.Client
	recipes []apiview.RecipeView
	listed  bool
	// byName, when not nil, remembers which file of a folder named each
	// recipe, so that two files with one name fail rather than overwrite
	// each other.
	byName map[string]string
}

// applyResult is what applying one document did.
type applyResult struct {
	outcome, id, name string
}

func (a *applier) applyFile(ctx context.Context, path string) (applyResult, error) {
	data, err := readRecipeFile(path)
	if err != nil {
		return applyResult{}, err
	}
	doc, err := recipeDocument(data)
	if err != nil {
		return applyResult{}, err
	}
	if a.byName != nil {
		name, _ := doc.stringField("name")
		id, _ := doc.stringField("id")
		if other, ok := a.byName[name]; ok && id == "" && name != "" {
			return applyResult{name: name}, fmt.Errorf("name: %q is also the name in %s; give one of them an id or another name", name, other)
		}
		a.byName[name] = filepath.Base(path)
	}
	return a.apply(ctx, doc)
}

// apply creates or updates the recipe of one document.
func (a *applier) apply(ctx context.Context, doc jsonObject) (applyResult, error) {
	id, err := doc.stringField("id")
	if err != nil {
		return applyResult{}, err
	}
	name, err := doc.stringField("name")
	if err != nil {
		return applyResult{}, err
	}
	res := applyResult{id: id, name: name}
	if id == "" && name != "" {
		if err := a.list(ctx); err != nil {
			return res, err
		}
		if id, err = recipeIDByName(a.recipes, name); err != nil {
			return res, err
		}
	}
	// The server ignores the fields it owns; sending the document alone
	// keeps the request what the user means.
	body := doc.without(apiview.RecipeServerFieldNames()...)
	if id == "" {
		// A new recipe whose secret reads "set" is refused by the server,
		// with the secret's path.
		v, err := a.c.CreateRecipe(ctx, body)
		if err != nil {
			return res, err
		}
		if a.listed {
			a.recipes = append(a.recipes, v)
		}
		return applyResult{applyCreated, v.ID, v.Name}, nil
	}
	current, err := a.current(ctx, id)
	if client.StatusOf(err) == http.StatusNotFound {
		return res, fmt.Errorf("id: no recipe %s on this server; without the id the file is applied by name", id)
	}
	if err != nil {
		return res, err
	}
	if sameDocument(body, current.Document) {
		return applyResult{applyUnchanged, id, current.Name}, nil
	}
	v, err := a.c.UpdateRecipe(ctx, id, body)
	if err != nil {
		return res, err
	}
	if i := slices.IndexFunc(a.recipes, func(r apiview.RecipeView) bool { return r.ID == id }); i >= 0 {
		a.recipes[i] = v
	}
	return applyResult{applyUpdated, v.ID, v.Name}, nil
}

// list reads the recipes once.
func (a *applier) list(ctx context.Context) error {
	if a.listed {
		return nil
	}
	var err error
	if a.recipes, err = a.c.Recipes(ctx); err == nil {
		a.listed = true
	}
	return err
}

// current is the stored recipe id: from the list when it was read, else
// read alone (a file with an id needs no list).
func (a *applier) current(ctx context.Context, id string) (apiview.RecipeView, error) {
	if a.listed {
		if i := slices.IndexFunc(a.recipes, func(r apiview.RecipeView) bool { return r.ID == id }); i >= 0 {
			return a.recipes[i], nil
		}
	}
	return a.c.Recipe(ctx, id)
}

// sameDocument says whether a file's document is the stored one: both
// with the server's defaults filled in, compared as JSON values (key order
// aside; YAML files sort keys). A file the document decoder refuses is
// never the same: it goes to the server, which says what is wrong.
func sameDocument(file jsonObject, stored recipe.Document) bool {
	b, err := file.MarshalJSON()
	if err != nil {
		return false
	}
	doc, problems := recipe.Decode(b)
	if len(problems) > 0 {
		return false
	}
	return reflect.DeepEqual(normalizedValue(doc), normalizedValue(stored))
}

// normalizedValue is a document with its defaults filled in, as a JSON
// value (nil if it does not encode).
func normalizedValue(d recipe.Document) any {
	d.Normalize()
	if d.Steps == nil {
		d.Steps = []recipe.Step{}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}
