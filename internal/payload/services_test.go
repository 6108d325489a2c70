package payload

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/pill"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/services")

// serviceGolden is the expected outcome for one example payload in
// testdata/services: the parsed tree, the inferred datatree, and a few pills
// rendered against the tree. The pill keys are the pill text without braces
// ("trigger.data.object.id"); -update keeps the keys of an existing golden
// file and recomputes their values.
type serviceGolden struct {
	Tree     any            `json:"tree"`
	Datatree []Field        `json:"datatree"`
	Pills    map[string]any `json:"pills"`
}

// TestServicePayloads is a table test over real-world shaped webhook and API
// payloads (see testdata/README.md): each input is parsed by its extension,
// inferred, and a few pills are rendered; the result must match the golden
// file byte for byte.
func TestServicePayloads(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "services", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range inputs {
		if !strings.HasSuffix(f, ".golden.json") {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	if len(files) < 15 {
		t.Fatalf("found %d service payloads in testdata/services, want at least 15", len(files))
	}
	for _, in := range files {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			goldenPath := in + ".golden.json"
			want, err := os.ReadFile(goldenPath)
			if err != nil && !(*update && os.IsNotExist(err)) {
				t.Fatal(err)
			}
			var old serviceGolden
			if len(want) > 0 {
				if err := json.Unmarshal(want, &old); err != nil {
					t.Fatalf("%s: %v", goldenPath, err)
				}
			}
			if len(old.Pills) < 3 && !*update {
				t.Fatalf("%s lists %d pills, want at least 3", goldenPath, len(old.Pills))
			}

			got := serviceGolden{Pills: map[string]any{}}
			switch ext := filepath.Ext(in); ext {
			case ".json":
				got.Tree, err = ParseJSON(src, DefaultLimits())
				if err == nil {
					got.Datatree, err = InferJSON(src)
				}
			case ".xml":
				got.Tree, err = ParseXML(src, DefaultLimits())
				if err == nil {
					got.Datatree, err = InferXML(src)
				}
			case ".form":
				// Form files hold the body exactly as sent: one line, no
				// trailing newline.
				got.Tree, err = ParseForm(src, DefaultLimits())
				if err == nil {
					got.Datatree = Infer(got.Tree)
				}
			default:
				t.Fatalf("unknown extension %q", ext)
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			for p := range old.Pills {
				tpl, err := pill.Compile("{{" + p + "}}")
				if err != nil {
					t.Fatalf("compile %q: %v", p, err)
				}
				v, err := tpl.Render(pill.Env{Trigger: got.Tree})
				if err != nil {
					t.Errorf("render %q: %v", p, err)
					continue
				}
				got.Pills[p] = v
			}

			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(goldenPath, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file (run go test -run TestServicePayloads -update to rewrite, then review):\n%s",
					in, firstDiff(want, buf.Bytes()))
			}
		})
	}
}

// firstDiff shows the first differing line of two golden renderings.
func firstDiff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(no line differs)"
}
