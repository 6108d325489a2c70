package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"testing"
)

// A file over the inline limit is stored as a blob with its event, named in
// the trigger output by its SHA-256, and served back exactly by the API.
func TestWebhookMultipartLargeFileIsStoredAsBlob(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	whCreate(s, whRecipe("upload-big", "form", nil), true)

	file := make([]byte, 200<<10) // over the 64 KiB inline limit
	rand.Read(file)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("note", "big one")
	fw, err := mw.CreateFormFile("scan", "scan.bin")
	fatalIf(t, err, "create file part")
	fw.Write(file)
	fatalIf(t, mw.Close(), "close multipart")

	_, jobID := acceptWebhook(t, s.webhookBase()+"/upload-big", mw.FormDataContentType(), &buf)
	j := s.waitJob(jobID)
	var out struct {
		Scan map[string]any `json:"scan"`
	}
	fatalIf(t, json.Unmarshal(j.Trigger.Output, &out), "decode trigger output")
	sum := sha256.Sum256(file)
	hexSum := hex.EncodeToString(sum[:])
	if out.Scan["blob"] != "sha256:"+hexSum || out.Scan["size"] != float64(len(file)) || out.Scan["content_base64"] != nil {
		t.Fatalf("file object = %v, want blob sha256:%s and no inline content", out.Scan, hexSum)
	}
	status, got := s.raw("GET", "/api/v1/blobs/"+hexSum, nil, s.Token)
	if status != 200 || !bytes.Equal(got, file) {
		t.Fatalf("GET blob = %d, %d bytes; want 200 and the file's %d bytes", status, len(got), len(file))
	}
	if status, _ := s.raw("GET", "/api/v1/blobs/"+hexSum, nil, ""); status != 401 {
		t.Errorf("GET blob without a token = %d, want 401", status)
	}
	if status, _ := s.raw("GET", "/api/v1/blobs/00", nil, s.Token); status != 404 {
		t.Errorf("GET unknown blob = %d, want 404", status)
	}
}
