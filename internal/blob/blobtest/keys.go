package blobtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/streamingaead"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Keys is a real per-tenant Tink streaming AEAD keyring held in memory:
// each tenant gets its own AES256-GCM-HKDF 1 MiB-segment keyset on first
// use. It stands in for the sealed keyring in tests; keys die with it.
type Keys struct {
	mu sync.Mutex
	m  map[string]tink.StreamingAEAD
}

// NewKeys returns an empty keyring.
func NewKeys() *Keys { return &Keys{m: map[string]tink.StreamingAEAD{}} }

// Streaming returns the tenant's streaming AEAD, creating its keyset.
func (k *Keys) Streaming(ctx context.Context, tenantID string) (tink.StreamingAEAD, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if a, ok := k.m[tenantID]; ok {
		return a, nil
	}
	h, err := keyset.NewHandle(streamingaead.AES256GCMHKDF1MBKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("blobtest: new keyset: %w", err)
	}
	a, err := streamingaead.New(h)
	if err != nil {
		return nil, fmt.Errorf("blobtest: streaming aead: %w", err)
	}
	k.m[tenantID] = a
	return a, nil
}
