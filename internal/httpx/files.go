package httpx

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Upload is a multipart upload being read: the small fields that came
// before the file part, and the file part itself, unread. Nothing of the
// file is buffered: Body streams from the request.
type Upload struct {
	Fields url.Values
	// Name is the file name exactly as the client sent it (not reduced to
	// its base name), so that the app can refuse a path instead of
	// silently changing it.
	Name string
	Body io.Reader
}

// maxUploadField bounds each small field of an upload form.
const maxUploadField = 4096

// ReadUpload reads a multipart/form-data request up to its part named
// fileField. Fields before it (folder, consent…) are collected; a field
// after it is not read. Without a file part it is an invalid fileField.
func ReadUpload(r *http.Request, fileField string) (*Upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &care.Error{Code: care.EInvalid, Key: "error.upload_form", Field: fileField, Err: err}
	}
	up := &Upload{Fields: url.Values{}}
	for n := 0; n < 20; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &care.Error{Code: care.EInvalid, Key: "error.upload_cut", Field: fileField, Err: err}
		}
		if p.FormName() == fileField {
			up.Name = rawFileName(p)
			up.Body = p
			return up, nil
		}
		b, err := io.ReadAll(io.LimitReader(p, maxUploadField+1))
		if err != nil || len(b) > maxUploadField {
			return nil, &care.Error{Code: care.EInvalid, Key: "error.upload_form", Field: p.FormName(), Err: err}
		}
		up.Fields.Add(p.FormName(), string(b))
	}
	return nil, &care.Error{Code: care.EInvalid, Key: "error.required", Field: fileField}
}

// rawFileName returns the filename parameter of a part's
// Content-Disposition as sent (RFC 7578, with RFC 2231 filename*).
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

// ContentDisposition returns an RFC 6266 Content-Disposition value: the
// name as UTF-8 in filename*, and an ASCII stand-in in filename for old
// clients.
func ContentDisposition(kind, name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// FileCSP is the content security policy of a downloaded file: nothing
// loads, nothing runs, and the document is a unique sandboxed origin.
const FileCSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"

// ServeFile answers a download from content (Range requests included,
// by http.ServeContent): always as an attachment unless inline is set,
// with the sniffed content type, no sniffing by the browser, the
// sandboxing policy and no caching outside the browser.
func ServeFile(w http.ResponseWriter, r *http.Request, name, contentType, etag string, modified time.Time, inline bool,
	content io.ReadSeeker) {
	h := w.Header()
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(kind, name))
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", FileCSP)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if etag != "" {
		h.Set("ETag", `"`+etag+`"`)
	}
	http.ServeContent(w, r, "", modified, content)
}
