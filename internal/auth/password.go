package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultParams were chosen by measurement (bench/argon2, 2026-11, on the
// project's 2-core reference machine, one lane, median of 5): 19 MiB/t=2
// 56 ms, 46 MiB/t=1 78 ms, 32 MiB/t=2 112 ms, 64 MiB/t=1 111 ms. 46 MiB
// with one pass is OWASP's first argon2id option and sits in the 50–100 ms
// target: a login stays quick while every offline guess costs 46 MiB of
// memory, which is what hurts a GPU. With the hasher's default bound of two
// hashes per CPU, hashing never holds more than 4 × 46 MiB at once.
var DefaultParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// Hasher hashes and verifies passwords, bounding how many hashes run at
// once so a burst of logins cannot exhaust memory.
type Hasher struct {
	params Params
	sem    chan struct{}
	dummy  string
	// verified counts the argon2id computations Verify has run.
	verified atomic.Uint64
}

// Verifications returns how many password checks (argon2id computations,
// dummy ones included) the hasher has run: the lockout's bound is on them.
func (h *Hasher) Verifications() uint64 { return h.verified.Load() }

// Params returns the hasher's cost parameters.
func (h *Hasher) Params() Params { return h.params }

// NewHasher returns a hasher with the parameters; at most concurrency
// hashes run at once (0: two per CPU).
func NewHasher(p Params, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = 2 * runtime.NumCPU()
	}
	h := &Hasher{params: p, sem: make(chan struct{}, concurrency)}
	h.dummy, _ = h.hash(context.Background(), "renrakucho-dummy-password-for-timing")
	return h
}

// Hash returns the PHC-format argon2id hash of the normalised password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	return h.hash(ctx, care.NormalizePassword(password))
}

func (h *Hasher) hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	h.release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.params.Memory, h.params.Time,
		h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: wait for hasher: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Verify reports whether password matches the encoded hash. An empty hash
// (a deleted user, an unknown login) is checked against a dummy hash so
// the time taken does not tell whether the account exists.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	match := true
	if encoded == "" {
		encoded, match = h.dummy, false
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(care.NormalizePassword(password)), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	h.release()
	h.verified.Add(1)
	return match && subtle.ConstantTimeCompare(got, want) == 1, nil
}

var errBadHash = errors.New("auth: malformed password hash")

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return Params{}, nil, nil, errBadHash
	}
	return p, salt, key, nil
}
