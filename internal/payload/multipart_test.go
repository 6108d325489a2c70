package payload

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"
)

func buildMultipart(t *testing.T, fn func(w *multipart.Writer)) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fn(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func TestParseMultipartForm(t *testing.T) {
	file := []byte("hello, file\n")
	big := bytes.Repeat([]byte("x"), MaxInlineFile+1)
	ct, body := buildMultipart(t, func(w *multipart.Writer) {
		w.WriteField("name", "Ada")
		w.WriteField("tag", "a")
		w.WriteField("tag", "b")
		w.WriteField("empty", "")
		fw, _ := w.CreateFormFile("doc", "note.txt")
		fw.Write(file)
		fw, _ = w.CreateFormFile("big", "big.bin")
		fw.Write(big)
	})
	v, err := ParseFormBodyBlobs(ct, body, Limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(file)
	bigSum := sha256.Sum256(big)
	want := map[string]any{
		"name":  "Ada",
		"tag":   []any{"a", "b"},
		"empty": "",
		"doc": map[string]any{"filename": "note.txt", "content_type": "application/octet-stream",
			"size": int64(len(file)), "sha256": hex.EncodeToString(sum[:]),
			"content_base64": base64.StdEncoding.EncodeToString(file)},
		"big": map[string]any{"filename": "big.bin", "content_type": "application/octet-stream",
			"size": int64(len(big)), "sha256": hex.EncodeToString(bigSum[:]), "truncated": true},
	}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v\nwant %#v", v, want)
	}
}

func TestParseFormBodyURLEncoded(t *testing.T) {
	v, err := ParseFormBodyBlobs("application/x-www-form-urlencoded", []byte("a=1&a=2&b=3"), Limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"a": []any{"1", "2"}, "b": "3"}; !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
}

func TestParseMultipartErrors(t *testing.T) {
	ct, body := buildMultipart(t, func(w *multipart.Writer) { w.WriteField("a", "1") })
	cases := []struct {
		name, ct string
		body     []byte
		want     string
	}{
		{"no boundary", "multipart/form-data", body, "no boundary"},
		{"wrong boundary", "multipart/form-data; boundary=nope", body, `no part begins with boundary "nope"`},
		{"truncated", ct, body[:len(body)-10], "part 1"},
		{"no disposition", ct, bytes.Replace(body, []byte("Content-Disposition"), []byte("X-Other"), 1), `part 1: no Content-Disposition`},
		{"no name", ct, bytes.Replace(body, []byte(`name="a"`), []byte(`x="a"`), 1), "with a name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFormBodyBlobs(c.ct, c.body, Limits{}, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestParseMultipartLimits(t *testing.T) {
	ct, body := buildMultipart(t, func(w *multipart.Writer) {
		for i := 0; i <= MaxMultipartParts; i++ {
			w.WriteField("f", "v")
		}
	})
	if _, err := ParseFormBodyBlobs(ct, body, Limits{}, nil); err == nil || !strings.Contains(err.Error(), "more than 1000 multipart parts") {
		t.Fatalf("parts: err = %v", err)
	}
	ct, body = buildMultipart(t, func(w *multipart.Writer) {
		w.WriteField("huge", strings.Repeat("y", MaxMultipartField+1))
	})
	if _, err := ParseFormBodyBlobs(ct, body, Limits{}, nil); err == nil || !strings.Contains(err.Error(), `part 1 (field "huge"): value over`) {
		t.Fatalf("field size: err = %v", err)
	}
}

func TestFormExample(t *testing.T) {
	s, err := FormExample(map[string]any{"b": "2", "a": []any{"x", "y"}})
	if err != nil || s != "a=x&a=y&b=2" {
		t.Fatalf("got %q, %v", s, err)
	}
	if _, err := FormExample(map[string]any{"f": map[string]any{"filename": "x"}}); err == nil || !strings.Contains(err.Error(), `"f"`) {
		t.Fatalf("file: err = %v", err)
	}
}
