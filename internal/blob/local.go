package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Local keeps blobs as files under one directory. A blob is written to a
// temporary file in the same directory tree, synced, and renamed into
// place, so readers see either the whole blob or none.
type Local struct {
	dir string
	tmp string
}

// NewLocal returns the local store rooted at dir, creating it (mode 0700).
func NewLocal(dir string) (*Local, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local directory: %w", err)
	}
	tmp := filepath.Join(dir, ".tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create local directory: %w", err)
	}
	return &Local{dir: dir, tmp: tmp}, nil
}

// Describe names the store.
func (l *Local) Describe() string { return "local " + l.dir }

func (l *Local) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.dir, filepath.FromSlash(key)), nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put writes the blob through a synced temporary file and a rename.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	dst, err := l.path(key)
	if err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(l.tmp, "put-*")
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	buf := make([]byte, 256<<10)
	if n, err = io.CopyBuffer(f, ctxReader{ctx, r}, buf); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err = f.Sync(); err != nil {
		return 0, fmt.Errorf("blob: put %s: sync: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return 0, fmt.Errorf("blob: put %s: close: %w", key, err)
	}
	if err = os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err = os.Rename(f.Name(), dst); err != nil {
		return 0, fmt.Errorf("blob: put %s: rename: %w", key, err)
	}
	// The rename is durable once the directory is synced.
	if d, derr := os.Open(filepath.Dir(dst)); derr == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return 0, fmt.Errorf("blob: put %s: sync directory: %w", key, err)
		}
	}
	return n, nil
}

// Get opens the blob's file.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	return f, nil
}

// Delete removes the blob's file.
func (l *Local) Delete(ctx context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Stat returns the blob file's length.
func (l *Local) Stat(ctx context.Context, key string) (int64, error) {
	p, err := l.path(key)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return fi.Size(), nil
}
