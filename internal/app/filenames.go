package app

import (
	"bytes"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/renrakucho/renrakucho/internal/care"
)

// MaxFileNameLen bounds a file or folder name, in characters.
const MaxFileNameLen = 120

// bidiControls are the invisible characters that reorder text: a name
// such as "report\u202Efdp.exe" would display as "reportexe.pdf".
func bidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

// CleanName checks and normalises a file or folder name as typed or sent
// by a browser: NFC, trimmed, at most MaxFileNameLen characters, without
// path separators, control or bidirectional formatting characters, and
// not "." or "..". A bad name is an invalid "file" (or field) error: the
// name is refused, never silently rewritten, so the user sees what was
// wrong. Names never reach the blob store; its keys are random.
func CleanName(field, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(nil, field, "error.file_name")
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	switch {
	case s == "":
		return "", invalid(nil, field, "error.required")
	case utf8.RuneCountInString(s) > MaxFileNameLen:
		return "", invalid(nil, field, "error.file_name_long")
	case strings.Trim(s, ".") == "":
		return "", invalid(nil, field, "error.file_name")
	}
	for _, r := range s {
		if r == '/' || r == '\\' || r == 0 || unicode.IsControl(r) || bidiControl(r) || r == utf8.RuneError ||
			unicode.Is(unicode.Cf, r) && r != 0x200D { // zero-width joiner appears in emoji
			return "", invalid(nil, field, "error.file_name")
		}
	}
	return s, nil
}

// The kinds of content a tenant may allow (Settings.FileTypes).
const (
	KindPDF     = "pdf"
	KindImage   = "image"
	KindOffice  = "office"
	KindText    = "text"
	KindCSV     = "csv"
	KindArchive = "archive"
)

// FileKinds lists every kind, in display order.
var FileKinds = []string{KindPDF, KindImage, KindOffice, KindText, KindCSV, KindArchive}

// DefaultFileKinds are allowed unless the tenant says otherwise.
var DefaultFileKinds = []string{KindPDF, KindImage, KindOffice, KindText, KindCSV}

// extKinds maps a name's extension to the kind of content it claims.
var extKinds = map[string]string{
	".pdf": KindPDF, ".png": KindImage, ".jpg": KindImage, ".jpeg": KindImage, ".gif": KindImage, ".webp": KindImage,
	".svg": KindImage, ".bmp": KindImage, ".docx": KindOffice, ".xlsx": KindOffice, ".pptx": KindOffice, ".doc": KindOffice,
	".xls": KindOffice, ".ppt": KindOffice, ".txt": KindText, ".csv": KindCSV, ".zip": KindArchive,
	".html": "markup", ".htm": "markup", ".xhtml": "markup", ".xml": "markup", ".js": "markup",
}

var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
}

// rasterTypes are the image types shown inline and given thumbnails.
var rasterTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// InlineType reports whether content of this (sniffed) type may be shown
// in the browser rather than downloaded: raster images and PDF only.
func InlineType(ct string) bool { return ct == "application/pdf" || slices.Contains(rasterTypes, ct) }

// markup reports whether the head of a file is HTML, SVG or XML: content
// a browser might run script in, whatever the file claims to be.
func markup(head []byte) bool {
	h := bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n\f")
	l := bytes.ToLower(h)
	for _, sig := range []string{"<?xml", "<svg", "<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<!--", "<style", "<a ", "<img", "<div", "<meta", "<title"} {
		if bytes.HasPrefix(l, []byte(sig)) {
			return true
		}
	}
	return bytes.Contains(l, []byte("<svg")) || bytes.Contains(l, []byte("<script"))
}

// sniff decides a file's content type from its first bytes (at most 512)
// and its name, and the kind the tenant's allow-list speaks of. It
// refuses markup in any guise (HTML or SVG disguised as an image or as
// text) and a name whose extension claims another kind than the bytes.
func sniff(head []byte, name string) (contentType, kind string, err error) {
	ext := strings.ToLower(path.Ext(name))
	claimed := extKinds[ext]
	if markup(head) || claimed == "markup" || ext == ".svg" {
		return "", "", care.Errorf(care.EUnsupported, "error.file_markup")
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch {
	case ct == "application/pdf":
		kind = KindPDF
	case slices.Contains(rasterTypes, ct) || ct == "image/bmp":
		kind = KindImage
	case ct == "application/zip" && officeTypes[ext] != "":
		ct, kind = officeTypes[ext], KindOffice
	case ct == "application/zip", ct == "application/x-gzip", ct == "application/x-rar-compressed":
		kind = KindArchive
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) && officeTypes[ext] != "":
		ct, kind = officeTypes[ext], KindOffice
	case ct == "text/plain" && ext == ".csv":
		ct, kind = "text/csv", KindCSV
	case ct == "text/plain":
		kind = KindText
	default:
		return "", "", care.Errorf(care.EUnsupported, "error.file_type")
	}
	if claimed != "" && claimed != kind {
		return "", "", care.Errorf(care.EUnsupported, "error.file_type_mismatch")
	}
	if kind == KindText || kind == KindCSV {
		ct += "; charset=utf-8"
		if !utf8.Valid(trimPartialRune(head)) {
			// Shift_JIS text is still text; it is served as bytes to download.
			ct = strings.TrimSuffix(ct, "; charset=utf-8")
		}
	}
	return ct, kind, nil
}

// trimPartialRune drops a UTF-8 sequence cut off at the end of a head.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}
