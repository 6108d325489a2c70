package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// A form webhook takes a multipart/form-data body: text fields as in a
// urlencoded form, files as metadata (with small content inline).
func TestWebhookMultipartForm(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	whCreate(s, whRecipe("upload", "form", nil), true)
	url := s.webhookBase() + "/upload"

	file := []byte("id,name\n1,Ada\n")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("name", "Ada Lovelace")
	mw.WriteField("email", "ada@example.com")
	mw.WriteField("tag", "math")
	mw.WriteField("tag", "engines")
	fw, err := mw.CreateFormFile("report", "people.csv")
	fatalIf(t, err, "create file part")
	fw.Write(file)
	fatalIf(t, mw.Close(), "close multipart")

	_, jobID := acceptWebhook(t, url, mw.FormDataContentType(), bytes.NewReader(buf.Bytes()))
	j := s.waitJob(jobID)

	var got map[string]any
	fatalIf(t, json.Unmarshal(j.Trigger.Output, &got), "decode trigger output %s", j.Trigger.Output)
	sum := sha256.Sum256(file)
	want := map[string]any{
		"name":  "Ada Lovelace",
		"email": "ada@example.com",
		"tag":   []any{"math", "engines"},
		"report": map[string]any{
			"filename": "people.csv", "content_type": "application/octet-stream",
			"size": float64(len(file)), "sha256": hex.EncodeToString(sum[:]),
			"content_base64": base64.StdEncoding.EncodeToString(file),
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("trigger output = %s\nwant %v", j.Trigger.Output, want)
	}

	// Malformed multipart: a 400 that says what is wrong.
	for _, c := range []struct{ ct, body, want string }{
		{"multipart/form-data", buf.String(), "no boundary"},
		{mw.FormDataContentType(), buf.String()[:buf.Len()-20], "multipart part"},
	} {
		resp, err := http.Post(url, c.ct, strings.NewReader(c.body))
		fatalIf(t, err, "post bad multipart")
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(raw), c.want) {
			t.Errorf("bad multipart (%s) = %d %s, want 400 mentioning %q", c.ct, resp.StatusCode, raw, c.want)
		}
	}

	// Capture: text fields become a urlencoded example; files cannot.
	cid := whCreate(s, whRecipe("upcap", "form", nil), false)
	s.mustCall(200, "POST", "/api/v1/recipes/"+cid+"/capture", nil, nil)
	resp, err := http.Post(s.webhookBase()+"/upcap", mw.FormDataContentType(), bytes.NewReader(buf.Bytes()))
	fatalIf(t, err, "post capture")
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Errorf("capture of multipart with a file = %d, want 422", resp.StatusCode)
	}
	var tb bytes.Buffer
	tw := multipart.NewWriter(&tb)
	tw.WriteField("name", "Ada")
	tw.WriteField("tag", "x")
	tw.WriteField("tag", "y")
	tw.Close()
	resp, err = http.Post(s.webhookBase()+"/upcap", tw.FormDataContentType(), &tb)
	fatalIf(t, err, "post capture")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("capture of multipart text fields = %d, want 200", resp.StatusCode)
	}
	var v struct {
		Trigger struct {
			PayloadExample string `json:"payload_example"`
		} `json:"trigger"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+cid, nil, &v)
	if v.Trigger.PayloadExample != "name=Ada&tag=x&tag=y" {
		t.Errorf("captured example = %q", v.Trigger.PayloadExample)
	}
}
