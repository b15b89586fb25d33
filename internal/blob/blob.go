// Package blob stores file contents: opaque, already sealed byte streams
// under random keys. Two backends share one contract: a local directory
// (the default, one node) and an S3-compatible object store (several
// nodes). A blob is written whole or not at all: a cut-off upload never
// becomes visible under its key. Keys are chosen by the caller from
// random IDs and never derive from a file's name.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned by Get and Stat for a key that holds no blob.
var ErrNotFound = errors.New("blob: not found")

// Store is a blob backend.
type Store interface {
	// Put stores everything r yields under key and returns its length.
	// When r fails or ctx ends before r is exhausted, nothing is stored
	// and any earlier blob under key is unchanged.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens the blob under key for reading; ErrNotFound when there is
	// none. The caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob under key; deleting a missing key is no error.
	Delete(ctx context.Context, key string) error
	// Stat returns the length of the blob under key; ErrNotFound when
	// there is none.
	Stat(ctx context.Context, key string) (int64, error)
	// Describe names the backend for logs and the admin console, without
	// secrets ("local /var/lib/renrakucho/blobs", "s3 host:9000/bucket").
	Describe() string
}

// MaxKeyLen bounds a key's length.
const MaxKeyLen = 200

// CheckKey rejects keys that are not a slash-separated list of segments of
// letters, digits, '-', '_' and '.', none of them empty, "." or "..".
// Keys are generated, so a bad one is a programming error, but the check
// keeps a local key from ever leaving the blob directory.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("blob: bad key length %d", len(key))
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob: bad key %q", key)
		}
		for _, r := range seg {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
			if !ok {
				return fmt.Errorf("blob: bad key %q", key)
			}
		}
	}
	return nil
}

// Open returns the store named by rawURL: "" for the local directory
// DATADIR/blobs, "file:///abs/path" (or a plain absolute path) for
// another local directory, or "s3://ACCESS:SECRET@HOST:PORT/BUCKET" for
// an S3-compatible store (ParseS3URL). The S3 bucket is created when
// missing.
func Open(ctx context.Context, rawURL, dataDir string) (Store, error) {
	switch {
	case rawURL == "":
		return NewLocal(filepath.Join(dataDir, "blobs"))
	case strings.HasPrefix(rawURL, "s3://"):
		cfg, err := ParseS3URL(rawURL)
		if err != nil {
			return nil, err
		}
		return NewS3(ctx, cfg)
	case strings.HasPrefix(rawURL, "file://"):
		u, err := url.Parse(rawURL)
		if err != nil || u.Path == "" || u.Host != "" {
			return nil, fmt.Errorf("blob: %q is not a file:///absolute/path URL", rawURL)
		}
		return NewLocal(u.Path)
	case filepath.IsAbs(rawURL):
		return NewLocal(rawURL)
	}
	return nil, fmt.Errorf("blob: unknown store %q: want s3://ACCESS:SECRET@HOST:PORT/BUCKET, file:///path or an absolute path", Redact(rawURL))
}

// Check validates rawURL as Open would, without touching the network or
// the disk.
func Check(rawURL string) error {
	switch {
	case rawURL == "", filepath.IsAbs(rawURL):
		return nil
	case strings.HasPrefix(rawURL, "s3://"):
		_, err := ParseS3URL(rawURL)
		return err
	case strings.HasPrefix(rawURL, "file://"):
		u, err := url.Parse(rawURL)
		if err != nil || u.Path == "" || u.Host != "" {
			return fmt.Errorf("blob: %q is not a file:///absolute/path URL", rawURL)
		}
		return nil
	}
	return fmt.Errorf("blob: unknown store %q: want s3://ACCESS:SECRET@HOST:PORT/BUCKET, file:///path or an absolute path", Redact(rawURL))
}

// Redact returns rawURL with the secret key masked, for logs.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "xxxxx"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	return u.String()
}
