package payload

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
)

// Bounds of a multipart/form-data body, on top of the byte limit the
// caller already applies to the whole body.
const (
	// MaxMultipartParts caps the number of parts (fields and files).
	MaxMultipartParts = 1000
	// MaxMultipartField caps the value of one text field.
	MaxMultipartField = 1 << 20
	// MaxInlineFile is the largest file whose content is kept inline
	// (base64) in the tree; larger files keep metadata only.
	MaxInlineFile = 64 << 10
)

// IsMultipart reports whether a Content-Type is multipart/form-data.
func IsMultipart(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "multipart/form-data")
	}
	return mt == "multipart/form-data"
}

// Blobs collects the content of files too large to keep inline, by the hex
// SHA-256 of their content. The caller stores them with the event.
type Blobs map[string][]byte

// ParseFormBodyBlobs parses a form body as its Content-Type says:
// multipart/form-data with parseMultipart, anything else with ParseForm.
// With blobs not nil, a file over MaxInlineFile carries
// "blob": "sha256:<hex>" and its content goes into blobs.
func ParseFormBodyBlobs(contentType string, b []byte, lim Limits, blobs Blobs) (any, error) {
	if !IsMultipart(contentType) {
		return ParseForm(b, lim)
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("form: Content-Type %q does not parse: %v", contentType, err)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, errors.New("form: multipart/form-data Content-Type has no boundary parameter")
	}
	return parseMultipart(b, boundary, lim, blobs)
}

// parseMultipart parses a multipart/form-data body into the shape ParseForm
// gives: a text field given once is a string, a repeated one a []any of
// strings. A file part (one with a filename) becomes an object
//
//	{"filename": …, "content_type": …, "size": <int>, "sha256": "<hex>",
//	 "content_base64": "…"}
//
// where content_base64 is present only for files of at most MaxInlineFile
// bytes; larger files carry "truncated": true instead, or, with blobs not
// nil, "blob" (their content goes into blobs).
//
// At most MaxMultipartParts parts (and lim.MaxKeys) and MaxMultipartField
// bytes per text field are accepted. Errors name the part (1-based) and,
// when known, its field name.
func parseMultipart(b []byte, boundary string, lim Limits, blobs Blobs) (any, error) {
	lim = lim.norm()
	maxParts := MaxMultipartParts
	if lim.MaxKeys < maxParts {
		maxParts = lim.MaxKeys
	}
	out := make(map[string]any)
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	for n := 1; ; n++ {
		// NextRawPart: no transparent quoted-printable decoding, the
		// bytes are kept as sent.
		p, err := mr.NextRawPart()
		if err == io.EOF {
			if n == 1 {
				return nil, errors.New("form: multipart body has no parts (is the boundary right?)")
			}
			return out, nil
		}
		if err != nil && n == 1 {
			return nil, multipartErr(n, "", "no part begins with boundary "+strconv.Quote(boundary)+" ("+err.Error()+")")
		}
		if err != nil {
			return nil, multipartErr(n, "", err.Error())
		}
		if n > maxParts {
			p.Close()
			return nil, errors.New("form: more than " + strconv.Itoa(maxParts) + " multipart parts")
		}
		v, name, err := readPart(p, n, blobs)
		p.Close()
		if err != nil {
			return nil, err
		}
		addAny(out, name, v)
	}
}

// readPart reads one part: a text field's string or a file's object.
func readPart(p *multipart.Part, n int, blobs Blobs) (any, string, error) {
	disp := p.Header.Get("Content-Disposition")
	if disp == "" {
		return nil, "", multipartErr(n, "", "no Content-Disposition header")
	}
	d, params, err := mime.ParseMediaType(disp)
	if err != nil {
		return nil, "", multipartErr(n, "", "Content-Disposition "+strconv.Quote(disp)+" does not parse: "+err.Error())
	}
	name, hasName := params["name"]
	if d != "form-data" || !hasName {
		return nil, "", multipartErr(n, "", "Content-Disposition must be form-data with a name, got "+strconv.Quote(disp))
	}
	filename, isFile := params["filename"]
	if !isFile {
		v, err := io.ReadAll(io.LimitReader(p, MaxMultipartField+1))
		if err != nil {
			return nil, "", multipartErr(n, name, err.Error())
		}
		if len(v) > MaxMultipartField {
			return nil, "", multipartErr(n, name, fmt.Sprintf("value over %d bytes", MaxMultipartField))
		}
		return string(v), name, nil
	}
	h := sha256.New()
	var head bytes.Buffer
	keep := MaxInlineFile + 1
	if blobs != nil {
		// The whole body is in memory already (bounded by the intake's
		// limit); a large file is kept whole to be stored as a blob.
		keep = int(^uint(0) >> 1)
	}
	size, err := io.Copy(io.MultiWriter(h, &limitedBuffer{b: &head, max: keep}), p)
	if err != nil {
		return nil, "", multipartErr(n, name, err.Error())
	}
	ct := p.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	f := map[string]any{
		"filename":     filename,
		"content_type": ct,
		"size":         size,
		"sha256":       hex.EncodeToString(h.Sum(nil)),
	}
	switch {
	case size <= MaxInlineFile:
		f["content_base64"] = base64.StdEncoding.EncodeToString(head.Bytes())
	case blobs != nil:
		sum := f["sha256"].(string)
		blobs[sum] = head.Bytes()
		f["blob"] = "sha256:" + sum
	default:
		f["truncated"] = true
	}
	return f, name, nil
}

// limitedBuffer keeps the first max bytes written and discards the rest.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b.Write(p[:room])
	}
	return len(p), nil
}

// addAny stores a field's string or file object, promoting a repeated name to a list.
func addAny(m map[string]any, k string, v any) {
	switch old := m[k].(type) {
	case nil:
		m[k] = v
	case []any:
		m[k] = append(old, v)
	default:
		m[k] = []any{old, v}
	}
}

func multipartErr(n int, name, msg string) error {
	where := "multipart part " + strconv.Itoa(n)
	if name != "" {
		where += " (field " + strconv.Quote(name) + ")"
	}
	return errors.New("form: " + where + ": " + msg)
}

// FormExample writes a form tree (text fields: strings or lists of
// strings) as an application/x-www-form-urlencoded example, keys sorted,
// so it parses back with ParseForm. A file object (from a multipart body)
// or any other value has no urlencoded spelling and is an error naming
// the field.
func FormExample(tree any) (string, error) {
	m, ok := tree.(map[string]any)
	if !ok {
		return "", errors.New("form: the data is not an object of fields")
	}
	vals := url.Values{}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			vals.Add(k, x)
		case []any:
			for _, it := range x {
				s, ok := it.(string)
				if !ok {
					return "", fmt.Errorf("form: field %q holds a file or non-text value, which a form example cannot spell", k)
				}
				vals.Add(k, s)
			}
		default:
			return "", fmt.Errorf("form: field %q holds a file or non-text value, which a form example cannot spell", k)
		}
	}
	return vals.Encode(), nil
}
