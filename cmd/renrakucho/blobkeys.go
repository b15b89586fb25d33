package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/streamingaead"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// blobKeys gives each tenant its streaming AEAD for file contents.
//
// replaced by seal.Keyring at merge: until then each tenant's keyset
// lives in this process's memory only, so files uploaded before a restart
// no longer decrypt after it.
var blobKeys = &memoryBlobKeys{m: map[string]tink.StreamingAEAD{}}

// memoryBlobKeys is a per-tenant AES256-GCM-HKDF (1 MiB segments) Tink
// streaming keyset, made on first use and kept in memory.
type memoryBlobKeys struct {
	mu sync.Mutex
	m  map[string]tink.StreamingAEAD
}

// Streaming returns the tenant's streaming AEAD.
func (k *memoryBlobKeys) Streaming(ctx context.Context, tenantID string) (tink.StreamingAEAD, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if a, ok := k.m[tenantID]; ok {
		return a, nil
	}
	h, err := keyset.NewHandle(streamingaead.AES256GCMHKDF1MBKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("blob keys: new keyset: %w", err)
	}
	a, err := streamingaead.New(h)
	if err != nil {
		return nil, fmt.Errorf("blob keys: %w", err)
	}
	k.m[tenantID] = a
	return a, nil
}
