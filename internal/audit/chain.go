package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The audit log is a hash chain per tenant (and one for the platform,
// tenant ""): every entry carries a sequence number and a MAC, an
// HMAC-SHA256 under a key kept outside the database, over the entry's
// fields and the previous entry's MAC. Changing, removing, inserting or
// reordering an entry breaks the chain at that entry; cutting off the
// newest entries is caught against a checkpoint of the chain's head kept
// elsewhere.

// KeyFile is the audit key's file name in the key directory.
const KeyFile = "audit.key"

// KeySize is the audit key's length in bytes.
const KeySize = 32

// MACSize is the length of a MAC in bytes; it is stored hex-encoded.
const MACSize = sha256.Size

// macDomain separates these MACs from any other use of the key.
const macDomain = "renrakucho audit chain v1\x00"

// ErrNoKey says the key directory holds no audit key.
var ErrNoKey = errors.New("audit: no audit key")

// Key is the secret the chain's MACs are computed with.
type Key []byte

// NewKey returns a fresh random key.
func NewKey() Key {
	k := make(Key, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("audit: no randomness: " + err.Error())
	}
	return k
}

// LoadKey reads the key from dir/audit.key (hex). A missing file returns
// an error wrapping ErrNoKey.
func LoadKey(dir string) (Key, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read key: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("audit: %s: not a %d-byte hex key", path, KeySize)
	}
	return Key(k), nil
}

// LoadOrCreateKey reads the key from dir, or creates dir (mode 0700) and a
// new key file (mode 0600) when there is none. It reports whether it
// created one.
func LoadOrCreateKey(dir string) (Key, bool, error) {
	k, err := LoadKey(dir)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, ErrNoKey) {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("audit: create key directory: %w", err)
	}
	k = NewKey()
	path := filepath.Join(dir, KeyFile)
	// O_EXCL: two processes starting at once cannot both write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		k, err := LoadKey(dir)
		return k, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("audit: create key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("audit: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("audit: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("audit: write key: %w", err)
	}
	return k, true, nil
}

// ChainTime is the precision the chain keeps times at (PostgreSQL's):
// entries are stored and MACed at whole microseconds.
func ChainTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// MAC returns the MAC of the entry at position seq of tenant's chain,
// whose predecessor's MAC is prev (nil for the first entry). The encoding
// is canonical: every field is length-prefixed, in a fixed order, so no
// two different entries encode alike. e.Seq and e.MAC are not read.
func (k Key) MAC(tenantID string, seq int64, prev []byte, e *Entry) []byte {
	return k.Hasher().MAC(tenantID, seq, prev, e)
}

// Hasher computes MACs under one key, reusing its state: for verifying
// many entries. It is not safe for concurrent use.
type Hasher struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

// Hasher returns a Hasher of the key.
func (k Key) Hasher() *Hasher {
	return &Hasher{h: hmac.New(sha256.New, k), buf: make([]byte, 0, 512), sum: make([]byte, 0, MACSize)}
}

// MAC is Key.MAC. The result is valid until the next call.
func (m *Hasher) MAC(tenantID string, seq int64, prev []byte, e *Entry) []byte {
	b := append(m.buf[:0], macDomain...)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(v int64) { b = binary.BigEndian.AppendUint64(b, uint64(v)) }
	str(tenantID)
	num(seq)
	b = binary.AppendUvarint(b, uint64(len(prev)))
	b = append(b, prev...)
	str(e.ID)
	num(e.At.UnixMicro())
	str(e.ActorID)
	str(e.ActorLogin)
	str(e.ActorRole)
	str(string(e.Action))
	str(e.TargetType)
	str(e.TargetID)
	str(e.ResidentID)
	str(e.IP)
	str(e.UserAgent)
	str(string(e.Result))
	str(e.Detail)
	m.buf = b
	m.h.Reset()
	m.h.Write(b)
	m.sum = m.h.Sum(m.sum[:0])
	return m.sum
}

// Check recomputes the entry's MAC from prev and compares it with e.MAC
// in constant time.
func (k Key) Check(tenantID string, prev []byte, e *Entry) bool {
	got, err := hex.DecodeString(e.MAC)
	if err != nil {
		return false
	}
	return hmac.Equal(got, k.MAC(tenantID, e.Seq, prev, e))
}

// VerifySegment checks that entries, in order, continue tenant's chain
// from the entry at prevSeq whose MAC is prevMAC (hex; "" and 0 for the
// chain's start). It returns nil, or a *Break naming the first bad entry.
// A third party holding the key verifies an evidence export with it.
func (k Key) VerifySegment(tenantID string, prevSeq int64, prevMAC string, entries []Entry) error {
	prev, err := hex.DecodeString(prevMAC)
	if err != nil {
		return &Break{TenantID: tenantID, Seq: prevSeq, Problem: "the previous MAC is not hex"}
	}
	for i := range entries {
		e := &entries[i]
		if e.Seq != prevSeq+1 {
			return &Break{TenantID: tenantID, Seq: prevSeq + 1, ID: e.ID,
				Problem: fmt.Sprintf("expected seq %d, found seq %d (entries missing, inserted or reordered)", prevSeq+1, e.Seq)}
		}
		if !k.Check(tenantID, prev, e) {
			return &Break{TenantID: tenantID, Seq: e.Seq, ID: e.ID,
				Problem: "MAC does not match (the entry was altered, inserted or moved)"}
		}
		prev, _ = hex.DecodeString(e.MAC)
		prevSeq = e.Seq
	}
	return nil
}

// Break is the first bad entry of a chain.
type Break struct {
	TenantID string
	Seq      int64  // the position where the chain breaks
	ID       string // the entry found there, if any
	Problem  string
}

func (b *Break) Error() string {
	chain := b.TenantID
	if chain == "" {
		chain = "(platform)"
	}
	s := fmt.Sprintf("audit chain %s broken at seq %d", chain, b.Seq)
	if b.ID != "" {
		s += " (entry " + b.ID + ")"
	}
	return s + ": " + b.Problem
}

// SafeCell prefixes a CSV cell that a spreadsheet would take for a
// formula (CSV injection: a leading = + - @ tab or carriage return) with
// a single quote, so it is shown as text.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
