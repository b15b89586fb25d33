package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // thumbnails of GIF images
	_ "image/jpeg"
	"image/png"
	"io"
	"strconv"

	"github.com/tink-crypto/tink-go/v2/tink"
	"golang.org/x/image/draw"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// BlobKeys gives a tenant's streaming AEAD for file contents.
type BlobKeys interface {
	Streaming(ctx context.Context, tenantID string) (tink.StreamingAEAD, error)
}

// blobAAD binds a sealed blob to its tenant, file and version, so a blob
// copied under another file or tenant does not decrypt. A thumbnail's
// version part is "N\x00thumb".
func blobAAD(tenantID, fileID, version string) []byte {
	return []byte("renrakucho/blob\x00" + tenantID + "\x00" + fileID + "\x00" + version)
}

func versionLabel(no int) string { return strconv.Itoa(no) }

func thumbLabel(no int) string { return strconv.Itoa(no) + "\x00thumb" }

// errTooLarge stops a sealed upload that passed its byte limit.
var errTooLarge = errors.New("app: upload over the limit")

// countWriter counts what passes through it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// sealed is what putSealed stored.
type sealed struct {
	Size, SealedSize int64
	SHA256           string
}

// putSealed streams r through the tenant's streaming AEAD into the blob
// store under key, in constant memory: the plaintext is read in chunks,
// sealed in 1 MiB segments and handed to the store through a pipe. More
// than limit bytes of plaintext fail with errTooLarge; any failure leaves
// nothing stored.
func (a *App) putSealed(ctx context.Context, tenantID, fileID, label, key string, r io.Reader, limit int64) (sealed, error) {
	if a.blobs == nil || a.blobKeys == nil {
		return sealed{}, care.Internal(errors.New("app: no blob store configured"))
	}
	aead, err := a.blobKeys.Streaming(ctx, tenantID)
	if err != nil {
		return sealed{}, care.Internal(fmt.Errorf("app: blob key: %w", err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := a.blobs.Put(ctx, key, pr)
		pr.CloseWithError(err) // unblocks the writer if the store gave up early
		done <- result{n, err}
	}()
	h := sha256.New()
	var plain int64
	sealErr := func() error {
		w, err := aead.NewEncryptingWriter(pw, blobAAD(tenantID, fileID, label))
		if err != nil {
			return err
		}
		buf := make([]byte, 256<<10)
		lr := &io.LimitedReader{R: r, N: limit + 1}
		for {
			k, rerr := lr.Read(buf)
			if k > 0 {
				plain += int64(k)
				if plain > limit {
					return errTooLarge
				}
				h.Write(buf[:k])
				if _, err := w.Write(buf[:k]); err != nil {
					return err
				}
			}
			if rerr == io.EOF {
				return w.Close()
			}
			if rerr != nil {
				return rerr
			}
		}
	}()
	if sealErr != nil {
		cancel()
		pw.CloseWithError(sealErr)
		<-done
		a.blobs.Delete(context.WithoutCancel(ctx), key) // a store that finished anyway
		return sealed{}, sealErr
	}
	pw.Close()
	res := <-done
	if res.err != nil {
		return sealed{}, care.Internal(fmt.Errorf("app: store blob: %w", res.err))
	}
	return sealed{Size: plain, SealedSize: res.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// openSealed opens a sealed blob for sequential reading of its plaintext.
func (a *App) openSealed(ctx context.Context, tenantID, fileID, label, key string) (io.ReadCloser, error) {
	if a.blobs == nil || a.blobKeys == nil {
		return nil, care.Internal(errors.New("app: no blob store configured"))
	}
	aead, err := a.blobKeys.Streaming(ctx, tenantID)
	if err != nil {
		return nil, care.Internal(fmt.Errorf("app: blob key: %w", err))
	}
	rc, err := a.blobs.Get(ctx, key)
	if err != nil {
		return nil, care.Internal(fmt.Errorf("app: open blob: %w", err))
	}
	dr, err := aead.NewDecryptingReader(rc, blobAAD(tenantID, fileID, label))
	if err != nil {
		rc.Close()
		return nil, care.Internal(fmt.Errorf("app: unseal blob: %w", err))
	}
	return struct {
		io.Reader
		io.Closer
	}{dr, rc}, nil
}

// Content is a file version's plaintext, as an io.ReadSeeker for
// http.ServeContent. Tink's streaming reader is sequential: a seek
// forward decrypts and discards up to the offset, and a seek backward
// starts again from the beginning. A Range request for the last bytes of
// a large file therefore costs decrypting the whole file up to them.
type Content struct {
	File    care.File
	Version care.FileVersion
	ctx     context.Context
	open    func() (io.ReadCloser, error)
	pos     int64 // where the next Read starts
	cur     int64 // where the open stream stands
	rc      io.ReadCloser
}

// Read reads plaintext at the current offset.
func (c *Content) Read(p []byte) (int, error) {
	if c.pos >= c.Version.Size {
		return 0, io.EOF
	}
	if c.rc != nil && c.pos < c.cur {
		c.rc.Close()
		c.rc = nil
	}
	if c.rc == nil {
		rc, err := c.open()
		if err != nil {
			return 0, err
		}
		c.rc, c.cur = rc, 0
	}
	if c.cur < c.pos {
		n, err := io.CopyN(io.Discard, c.rc, c.pos-c.cur)
		c.cur += n
		if err != nil {
			return 0, fmt.Errorf("app: skip to %d: %w", c.pos, err)
		}
	}
	n, err := c.rc.Read(p)
	c.cur += int64(n)
	c.pos += int64(n)
	return n, err
}

// Seek moves the offset; the stream is repositioned on the next Read.
func (c *Content) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.pos
	case io.SeekEnd:
		offset += c.Version.Size
	default:
		return 0, errors.New("app: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("app: negative offset")
	}
	c.pos = offset
	return offset, nil
}

// Close releases the blob.
func (c *Content) Close() error {
	if c.rc != nil {
		return c.rc.Close()
	}
	return nil
}

// Thumbnails: at most this side, and only of images whose decoded pixels
// fit in thumbPixelBytes, so a preview never needs more memory than that.
const (
	thumbSide       = 320
	thumbPixelBytes = 64 << 20
)

// makeThumb decodes an image version's plaintext and returns a PNG of at
// most thumbSide pixels a side; ok is false for content it does not
// preview (too large, undecodable, not a raster type the standard
// library reads). Decoding is pure Go: nothing is executed.
func (a *App) makeThumb(ctx context.Context, tenantID, fileID string, v care.FileVersion) (png []byte, ok bool) {
	switch v.ContentType {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return nil, false
	}
	a.thumbs <- struct{}{} // one decode at a time bounds the memory
	defer func() { <-a.thumbs }()
	rc, err := a.openSealed(ctx, tenantID, fileID, versionLabel(v.No), v.BlobKey)
	if err != nil {
		return nil, false
	}
	cfg, _, err := image.DecodeConfig(rc)
	rc.Close()
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height)*4 > thumbPixelBytes {
		return nil, false
	}
	rc, err = a.openSealed(ctx, tenantID, fileID, versionLabel(v.No), v.BlobKey)
	if err != nil {
		return nil, false
	}
	img, _, err := image.Decode(rc)
	rc.Close()
	if err != nil {
		return nil, false
	}
	return thumbnail(img), true
}

// thumbnail scales img to fit thumbSide and encodes it as PNG.
func thumbnail(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > thumbSide || h > thumbSide {
		if w >= h {
			w, h = thumbSide, max(1, h*thumbSide/b.Dx())
		} else {
			w, h = max(1, w*thumbSide/b.Dy()), thumbSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var out bytes.Buffer
	png.Encode(&out, dst)
	return out.Bytes()
}

// blobKey returns a fresh random key in the tenant's part of the store.
func blobKey(tenantID string) string { return tenantID + "/" + store.NewID() }

// deleteBlobs removes blobs after their rows are gone; a failure is
// logged, and leaves an orphan blob (unreadable without its row's AAD).
func (a *App) deleteBlobs(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := a.blobs.Delete(context.WithoutCancel(ctx), k); err != nil {
			a.log.Error("delete blob", "key", k, "err", err)
		}
	}
}
