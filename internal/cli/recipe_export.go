package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/client"
)

// recipeExport prints a recipe as a file that `recipe apply -f` accepts,
// or with --all DIR writes every recipe to its own file in DIR. The file
// is the recipe's document: the view less the fields the server owns
// (apiview.RecipeServerFields), the id among them, so a file is applied
// by name. Write-only secrets come back from the server as "set" and are
// exported as is, so a file never holds a secret; applying it keeps the
// stored secret.
func recipeExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := newAPICommand("recipe export", recipeExportUsage, getenv)
	format := cmd.flags.String("o", "yaml", "output format: yaml or json")
	all := cmd.flags.String("all", "", "write every recipe to its own file in this folder (created if missing)")
	pos, done, err := cmd.parse(args, stdout)
	if err != nil || done {
		return err
	}
	if *format != "yaml" && *format != "json" {
		return errUsage("recipe export: -o must be yaml or json, not %q", *format)
	}
	if *all != "" {
		if len(pos) > 0 {
			return errUsage("recipe export: --all DIR takes no recipe ID (got %q)\nusage: %s", pos[0], recipeExportUsage)
		}
		c, err := cmd.client()
		if err != nil {
			return err
		}
		return exportAll(ctx, c, *all, *format, stdout, stderr)
	}
	if len(pos) != 1 {
		return errUsage("recipe export: want exactly one recipe ID, or --all DIR\nusage: %s", recipeExportUsage)
	}
	c, err := cmd.client()
	if err != nil {
		return err
	}
	// The view is read raw, not as apiview.RecipeView, so that the file
	// keeps every document field the server sends in the server's order,
	// even one this build of the CLI does not know.
	var raw json.RawMessage
	if err := c.Do(ctx, "GET", "/api/v1/recipes/"+url.PathEscape(pos[0]), nil, &raw); err != nil {
		return reportError(stderr, "recipe export", err)
	}
	out, err := exportFile(raw, *format)
	if err != nil {
		return fmt.Errorf("recipe export: %w", err)
	}
	_, err = stdout.Write(out)
	return err
}

// exportFile turns a recipe view into the text of its recipe file.
func exportFile(view json.RawMessage, format string) ([]byte, error) {
	doc, err := parseObject(view)
	if err != nil {
		return nil, fmt.Errorf("unexpected answer from server: %w", err)
	}
	doc = doc.without(apiview.RecipeServerFieldNames()...)
	if format == "json" {
		return doc.indentJSON()
	}
	return doc.toYAML()
}

// exportAll writes one file per recipe into dir, named by a slug of the
// recipe's name; recipes whose names give the same slug each get a short
// suffix of their id. Files already in dir are overwritten when a recipe
// has their name and left alone otherwise.
func exportAll(ctx context.Context, c *client.Client, dir, format string, stdout, stderr io.Writer) error {
	var list struct {
		Recipes []json.RawMessage `json:"recipes"`
	}
	if err := c.Do(ctx, "GET", "/api/v1/recipes", nil, &list); err != nil {
		return reportError(stderr, "recipe export", err)
	}
	type entry struct {
		id, name, slug string
		view           json.RawMessage
	}
	entries := make([]entry, 0, len(list.Recipes))
	slugs := map[string]int{}
	for _, raw := range list.Recipes {
		var who struct{ ID, Name string }
		if err := json.Unmarshal(raw, &who); err != nil {
			return fmt.Errorf("recipe export: unexpected answer from server: %w", err)
		}
		e := entry{id: who.ID, name: who.Name, slug: slugOf(who.Name), view: raw}
		slugs[e.slug]++
		entries = append(entries, e)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("recipe export: %w", err)
	}
	ext := ".yaml"
	if format == "json" {
		ext = ".json"
	}
	for _, e := range entries {
		name := e.slug
		if slugs[e.slug] > 1 {
			name += "-" + idSuffix(e.id)
		}
		out, err := exportFile(e.view, format)
		if err != nil {
			return fmt.Errorf("recipe export: recipe %s: %w", e.id, err)
		}
		path := filepath.Join(dir, name+ext)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return fmt.Errorf("recipe export: %w", err)
		}
		fmt.Fprintf(stdout, "exported recipe %s (%s) to %s\n", e.id, e.name, path)
	}
	fmt.Fprintf(stdout, "%d recipes exported to %s\n", len(entries), dir)
	return nil
}

// slugOf makes a file name of a recipe name: lower-case ASCII letters and
// digits, other runs of characters as one dash, at most 60 characters.
func slugOf(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 60 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "recipe"
	}
	return b.String()
}

// idSuffix is the last 8 letters and digits of a recipe id: the random
// end of a UUIDv7 (its start is a timestamp, alike for recipes created
// together).
func idSuffix(id string) string {
	s := strings.ReplaceAll(id, "-", "")
	if len(s) > 8 {
		s = s[len(s)-8:]
	}
	return s
}
