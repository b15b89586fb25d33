package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets are the static files, each served under a name that carries a
// digest of its content (app.3f2a1c9d.css), so a browser may keep it for a
// year and still never use a stale one after an upgrade.
type assets struct {
	byHashed map[string]asset  // app.3f2a1c9d.css → file
	byName   map[string]string // app.css → /static/app.3f2a1c9d.css
}

type asset struct {
	body  []byte
	ctype string
}

func loadAssets() (*assets, error) {
	a := &assets{byHashed: map[string]asset{}, byName: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.byHashed[hashed] = asset{body: body, ctype: ctype}
		a.byName[name] = "/static/" + hashed
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return a, nil
}

// url returns the content-hashed URL of a static file; a template naming
// a file that does not exist fails to render.
func (a *assets) url(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return u, nil
}

// serve answers GET /static/{file...}.
func (a *assets) serve(rw http.ResponseWriter, r *http.Request) {
	f, ok := a.byHashed[r.PathValue("file")]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	rw.Write(f.body)
}
