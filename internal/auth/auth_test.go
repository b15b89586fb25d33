package auth

import (
	"context"
	"strings"
	"sync"
	"testing"
)

var cheap = Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 2)
	enc, err := h.Hash(ctx, "Hanamizuki-2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("encoding %q", enc)
	}
	tests := []struct {
		name, enc, pw string
		want          bool
		err           bool
	}{
		{"OK", enc, "Hanamizuki-2026", true, false},
		{"OKFullWidth", enc, "Ｈａｎａｍｉｚｕｋｉ－２０２６", true, false},
		{"ErrWrong", enc, "Hanamizuki-2027", false, false},
		{"ErrEmptyHash", "", "Hanamizuki-2026", false, false},
		{"ErrMalformed", "$argon2id$v=19$m=x", "Hanamizuki-2026", false, true},
		{"ErrOtherAlgorithm", strings.Replace(enc, "argon2id", "argon2i", 1), "Hanamizuki-2026", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, tt.enc, tt.pw)
			if ok != tt.want || (err != nil) != tt.err {
				t.Fatalf("Verify = %v, %v; want %v, error %v", ok, err, tt.want, tt.err)
			}
		})
	}
	// Two hashes of one password differ (random salt).
	enc2, _ := h.Hash(ctx, "Hanamizuki-2026")
	if enc2 == enc {
		t.Fatal("two hashes of one password are equal")
	}
}

func TestHasherBoundsConcurrency(t *testing.T) {
	h := NewHasher(cheap, 1)
	ctx, cancel := context.WithCancel(context.Background())
	h.sem <- struct{}{} // the only slot is taken
	cancel()
	if _, err := h.Hash(ctx, "Hanamizuki-2026"); err == nil {
		t.Fatal("Hash ran without a free slot")
	}
	<-h.sem
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Hash(context.Background(), "Hanamizuki-2026"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestToken(t *testing.T) {
	tok, id := NewToken("tenant-1")
	scope, got, ok := ParseToken(tok)
	if !ok || scope != "tenant-1" || got != id {
		t.Fatalf("ParseToken(%q) = %q, %q, %v; want tenant-1, %q", tok, scope, got, ok, id)
	}
	if strings.Contains(id, strings.SplitN(tok, ".", 2)[1]) {
		t.Fatal("the stored ID contains the secret")
	}
	bad := []string{"", "nodot", ".secret", "tenant.", "tenant.short", "tenant." + strings.Repeat("!", 43),
		strings.Repeat("x", 65) + "." + strings.SplitN(tok, ".", 2)[1]}
	for _, b := range bad {
		if _, _, ok := ParseToken(b); ok {
			t.Errorf("ParseToken(%q) accepted", b)
		}
	}
	tok2, _ := NewToken("tenant-1")
	if tok2 == tok {
		t.Fatal("two tokens are equal")
	}
}
