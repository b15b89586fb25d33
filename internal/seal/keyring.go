package seal

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/streamingaead"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/renrakucho/renrakucho/internal/store"
)

// Keyring makes, opens, rotates and destroys tenants' data keysets; it is
// the store's store.Keys.
type Keyring struct {
	kek KEK
}

// NewKeyring returns a keyring whose data keysets are wrapped by kek.
func NewKeyring(kek KEK) *Keyring { return &Keyring{kek: kek} }

// KEK returns the key-encryption keys, for rotation.
func (k *Keyring) KEK() KEK { return k.kek }

// wrapped is a tenant's data keysets as stored in the database: each Tink
// keyset encrypted under the tenant's key-encryption key.
type wrapped struct {
	Fields []byte `json:"fields"`
	Blobs  []byte `json:"blobs"`
}

func keysetAD(tenantID, which string) []byte {
	return []byte("renrakucho/keyset\x00" + tenantID + "\x00" + which)
}

// NewKeyset implements store.Keys: new field and blob keysets for the
// tenant, wrapped under its key-encryption key (created if need be).
func (k *Keyring) NewKeyset(ctx context.Context, tenantID string) ([]byte, error) {
	kek, err := k.kek.Tenant(ctx, tenantID, true)
	if err != nil {
		return nil, err
	}
	fields, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("seal: new keyset: %w", err)
	}
	blobs, err := keyset.NewHandle(streamingaead.AES256GCMHKDF1MBKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("seal: new keyset: %w", err)
	}
	return wrap(kek, tenantID, fields, blobs)
}

func wrap(kek tink.AEAD, tenantID string, fields, blobs *keyset.Handle) ([]byte, error) {
	var w wrapped
	for _, p := range []struct {
		h    *keyset.Handle
		name string
		out  *[]byte
	}{{fields, "fields", &w.Fields}, {blobs, "blobs", &w.Blobs}} {
		var buf bytes.Buffer
		if err := p.h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kek, keysetAD(tenantID, p.name)); err != nil {
			return nil, fmt.Errorf("seal: wrap %s keyset: %w", p.name, err)
		}
		*p.out = buf.Bytes()
	}
	return json.Marshal(w)
}

func (k *Keyring) unwrap(ctx context.Context, tenantID string, b []byte) (fields, blobs *keyset.Handle, err error) {
	kek, err := k.kek.Tenant(ctx, tenantID, false)
	if err != nil {
		return nil, nil, err
	}
	var w wrapped
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, nil, fmt.Errorf("seal: tenant keyset: %w", err)
	}
	if fields, err = keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(w.Fields)), kek, keysetAD(tenantID, "fields")); err != nil {
		return nil, nil, fmt.Errorf("seal: unwrap field keyset: %w", err)
	}
	if blobs, err = keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(w.Blobs)), kek, keysetAD(tenantID, "blobs")); err != nil {
		return nil, nil, fmt.Errorf("seal: unwrap blob keyset: %w", err)
	}
	return fields, blobs, nil
}

// Open implements store.Keys.
func (k *Keyring) Open(ctx context.Context, tenantID string, b []byte) (store.TenantKeys, error) {
	fields, blobs, err := k.unwrap(ctx, tenantID, b)
	if err != nil {
		return nil, err
	}
	a, err := aead.New(fields)
	if err != nil {
		return nil, fmt.Errorf("seal: field keyset: %w", err)
	}
	s, err := streamingaead.New(blobs)
	if err != nil {
		return nil, fmt.Errorf("seal: blob keyset: %w", err)
	}
	return &TenantKeys{AEAD: a, stream: s, primary: fields.KeysetInfo().GetPrimaryKeyId()}, nil
}

// Rotate implements store.Keys: a new primary key in both keysets; the
// old keys stay so that existing ciphertext opens until re-encrypted.
func (k *Keyring) Rotate(ctx context.Context, tenantID string, b []byte) ([]byte, error) {
	fields, blobs, err := k.unwrap(ctx, tenantID, b)
	if err != nil {
		return nil, err
	}
	if fields, err = addPrimary(fields, aead.AES256GCMKeyTemplate); err != nil {
		return nil, err
	}
	if blobs, err = addPrimary(blobs, streamingaead.AES256GCMHKDF1MBKeyTemplate); err != nil {
		return nil, err
	}
	kek, err := k.kek.Tenant(ctx, tenantID, false)
	if err != nil {
		return nil, err
	}
	return wrap(kek, tenantID, fields, blobs)
}

func addPrimary(h *keyset.Handle, template func() *tinkpb.KeyTemplate) (*keyset.Handle, error) {
	m := keyset.NewManagerFromHandle(h)
	id, err := m.Add(template())
	if err != nil {
		return nil, fmt.Errorf("seal: rotate: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return nil, fmt.Errorf("seal: rotate: %w", err)
	}
	return m.Handle()
}

// Destroy implements store.Keys: crypto-shredding.
func (k *Keyring) Destroy(ctx context.Context, tenantID string) error {
	return k.kek.Destroy(ctx, tenantID)
}

// TenantKeys are one tenant's opened data keys.
type TenantKeys struct {
	tink.AEAD
	stream  tink.StreamingAEAD
	primary uint32
}

// Current implements store.TenantKeys: whether ct was sealed under the
// primary key (Tink's prefix: a version byte, then the key ID).
func (t *TenantKeys) Current(ct []byte) bool {
	return len(ct) >= 5 && binary.BigEndian.Uint32(ct[1:5]) == t.primary
}

// Streaming returns the tenant's streaming AEAD for file contents.
func (t *TenantKeys) Streaming() tink.StreamingAEAD { return t.stream }

// Blobs gives tenants' streaming AEADs for file contents, from the
// keysets the store keeps.
type Blobs struct {
	DB *store.DB
}

// Streaming returns the tenant's streaming AEAD, under whose primary key
// new contents are sealed; older keys of the keyset still open theirs.
func (b Blobs) Streaming(ctx context.Context, tenantID string) (tink.StreamingAEAD, error) {
	k, err := b.DB.TenantKeys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	t, ok := k.(*TenantKeys)
	if !ok {
		return nil, fmt.Errorf("seal: tenant keys of another kind (%T)", k)
	}
	return t.stream, nil
}
