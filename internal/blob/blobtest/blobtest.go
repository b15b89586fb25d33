// Package blobtest holds what tests of blob stores and of their users
// share: the conformance suite every backend passes, a real S3-compatible
// server (versitygw, built from the module's tool dependency) started on
// demand, and an in-memory per-tenant streaming AEAD keyring.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/renrakucho/renrakucho/internal/blob"
)

// pattern yields n pseudo-random bytes without holding them.
type pattern struct {
	n, off int64
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		x := uint64(p.off + int64(i))
		b[i] = byte(x*2654435761>>13) ^ byte(x>>8)
	}
	p.off += int64(len(b))
	return len(b), nil
}

// Pattern returns a reader of n deterministic bytes that are not all the
// same, generated as read.
func Pattern(n int64) io.Reader { return &pattern{n: n} }

// failAfter yields n bytes of r, then fails: an upload cut off half-way.
type failAfter struct {
	r   io.Reader
	n   int64
	err error
}

func (f *failAfter) Read(b []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(b)) > f.n {
		b = b[:f.n]
	}
	k, err := f.r.Read(b)
	f.n -= int64(k)
	return k, err
}

// CutOff returns a reader that yields the first n bytes of r and then
// fails with io.ErrUnexpectedEOF, as a client that hangs up does.
func CutOff(r io.Reader, n int64) io.Reader {
	return &failAfter{r: r, n: n, err: io.ErrUnexpectedEOF}
}

func digest(t *testing.T, r io.Reader) ([32]byte, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d, n
}

// Run is the conformance suite of blob.Store: every backend must pass it
// unchanged. open returns an empty store.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	ctx := context.Background()
	key := func(name string) string { return "tenant-1/" + name + "-" + rand.Text()[:10] }

	t.Run("OK", func(t *testing.T) {
		s := open(t)
		k := key("ok")
		want := []byte("封をした中身 sealed bytes")
		n, err := s.Put(ctx, k, bytes.NewReader(want))
		if err != nil || n != int64(len(want)) {
			t.Fatalf("Put = %d, %v; want %d", n, err, len(want))
		}
		if size, err := s.Stat(ctx, k); err != nil || size != int64(len(want)) {
			t.Fatalf("Stat = %d, %v", size, err)
		}
		rc, err := s.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Get = %q, %v", got, err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		k := key("empty")
		if n, err := s.Put(ctx, k, bytes.NewReader(nil)); err != nil || n != 0 {
			t.Fatalf("Put = %d, %v", n, err)
		}
		if size, err := s.Stat(ctx, k); err != nil || size != 0 {
			t.Fatalf("Stat = %d, %v", size, err)
		}
	})
	t.Run("Large", func(t *testing.T) {
		// Larger than an S3 part, so a multipart upload of unknown length.
		s := open(t)
		k := key("large")
		const size = 21<<20 + 12345
		want, _ := digest(t, Pattern(size))
		n, err := s.Put(ctx, k, Pattern(size))
		if err != nil || n != size {
			t.Fatalf("Put = %d, %v", n, err)
		}
		rc, err := s.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, gn := digest(t, rc)
		if got != want || gn != size {
			t.Fatalf("Get: %d bytes, digest differs: %v", gn, got != want)
		}
	})
	t.Run("Overwrite", func(t *testing.T) {
		s := open(t)
		k := key("over")
		for _, v := range []string{"first", "second, longer"} {
			if _, err := s.Put(ctx, k, bytes.NewReader([]byte(v))); err != nil {
				t.Fatal(err)
			}
		}
		rc, err := s.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != "second, longer" {
			t.Fatalf("Get = %q", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := open(t)
		k := key("missing")
		if _, err := s.Get(ctx, k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get missing = %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat missing = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Errorf("Delete missing = %v, want nil", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		k := key("del")
		if _, err := s.Put(ctx, k, bytes.NewReader([]byte("x"))); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
		}
	})
	t.Run("ErrCutOff", func(t *testing.T) {
		// Cut off in the first part and beyond it: neither becomes visible,
		// and a blob already under the key is unchanged.
		s := open(t)
		for _, at := range []int64{1000, 10 << 20} {
			k := key(fmt.Sprintf("cut%d", at))
			if _, err := s.Put(ctx, k, CutOff(Pattern(20<<20), at)); err == nil {
				t.Fatalf("Put of a cut-off stream at %d succeeded", at)
			}
			if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("cut off at %d: Stat = %v, want ErrNotFound", at, err)
			}
			if _, err := s.Put(ctx, k, bytes.NewReader([]byte("whole"))); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, k, CutOff(Pattern(20<<20), at)); err == nil {
				t.Fatal("Put of a cut-off stream succeeded")
			}
			rc, err := s.Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != "whole" {
				t.Errorf("cut off at %d over an existing blob: Get = %d bytes, want the old blob", at, len(got))
			}
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		s := open(t)
		k := key("cancel")
		cctx, cancel := context.WithCancel(ctx)
		r := io.MultiReader(io.LimitReader(Pattern(1<<20), 1<<20), readerFunc(func(p []byte) (int, error) {
			cancel()
			return Pattern(int64(len(p))).Read(p)
		}), Pattern(8<<20))
		if _, err := s.Put(cctx, k, r); err == nil {
			t.Fatal("Put with a canceled context succeeded")
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat after a canceled Put = %v, want ErrNotFound", err)
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		s := open(t)
		for _, k := range []string{"", "../x", "a/../../x", "/abs", "a//b", "a\\b", "a\x00b", "名前", "a/./b", "x/.."} {
			if _, err := s.Put(ctx, k, bytes.NewReader([]byte("x"))); err == nil {
				t.Errorf("Put(%q) succeeded", k)
			}
			if _, err := s.Get(ctx, k); err == nil || errors.Is(err, blob.ErrNotFound) {
				t.Errorf("Get(%q) = %v, want a key error", k, err)
			}
		}
	})
	t.Run("Parallel", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := key(fmt.Sprintf("par%d", i))
				if _, err := s.Put(ctx, k, Pattern(int64(100000+i))); err != nil {
					errs <- err
					return
				}
				if n, err := s.Stat(ctx, k); err != nil || n != int64(100000+i) {
					errs <- fmt.Errorf("stat %s: %d, %v", k, n, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
