package seal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// KEK holds the key-encryption keys: one per tenant, kept outside the
// database. FileKEK keeps them in a directory; a KMS or Vault Transit
// implementation can take its place.
type KEK interface {
	// Tenant returns the tenant's key-encryption AEAD, creating it when
	// create is true and it does not exist yet.
	Tenant(ctx context.Context, tenantID string, create bool) (tink.AEAD, error)
	// Destroy erases the tenant's key-encryption key for good.
	Destroy(ctx context.Context, tenantID string) error
	// Rotate starts a new master key and re-wraps every tenant's key under
	// it; running it again after a crash finishes the job.
	Rotate(ctx context.Context) (RotateReport, error)
}

// RotateReport says what a KEK rotation did.
type RotateReport struct {
	MasterKeyID uint32 // the new primary master key
	Rewrapped   int    // tenant keys re-wrapped under it
}

// ErrNoKey reports a key that does not exist (never created, or
// destroyed).
var ErrNoKey = errors.New("seal: no such key")

// FileKEK keeps the master keyset and the tenants' wrapping keysets in a
// directory: DIR/master.json (cleartext Tink keyset, mode 0600) and
// DIR/tenants/ID.json (each encrypted under the master keyset).
type FileKEK struct {
	dir string

	mu      sync.Mutex
	master  *keyset.Handle
	aead    tink.AEAD
	tenants map[string]tink.AEAD
}

const masterFile = "master.json"

// InitDir creates the key directory with a new master keyset unless one is
// there already, and reports whether it created it.
func InitDir(dir string) (bool, error) {
	path := filepath.Join(dir, masterFile)
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("seal: key directory: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tenants"), 0o700); err != nil {
		return false, fmt.Errorf("seal: key directory: %w", err)
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return false, fmt.Errorf("seal: new master key: %w", err)
	}
	if err := writeCleartext(path, h); err != nil {
		return false, err
	}
	return true, nil
}

// OpenDir opens a key directory made by InitDir.
func OpenDir(dir string) (*FileKEK, error) {
	h, err := readCleartext(filepath.Join(dir, masterFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("seal: no master key in %s (point --keys at the key directory; a deployment made before keys existed runs `renrakucho keys init` once): %w", dir, err)
		}
		return nil, err
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	return &FileKEK{dir: dir, master: h, aead: a, tenants: map[string]tink.AEAD{}}, nil
}

// tenantIDPattern keeps tenant IDs file-name safe.
var tenantIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

func (k *FileKEK) tenantPath(tenantID string) (string, error) {
	if !tenantIDPattern.MatchString(tenantID) {
		return "", fmt.Errorf("seal: bad tenant id %q", tenantID)
	}
	return filepath.Join(k.dir, "tenants", tenantID+".json"), nil
}

func tenantAD(tenantID string) []byte { return []byte("renrakucho/tenant-kek\x00" + tenantID) }

// Tenant implements KEK.
func (k *FileKEK) Tenant(ctx context.Context, tenantID string, create bool) (tink.AEAD, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if a, ok := k.tenants[tenantID]; ok {
		return a, nil
	}
	path, err := k.tenantPath(tenantID)
	if err != nil {
		return nil, err
	}
	h, err := k.readTenant(path, tenantID)
	if errors.Is(err, fs.ErrNotExist) && create {
		if h, err = keyset.NewHandle(aead.AES256GCMKeyTemplate()); err != nil {
			return nil, fmt.Errorf("seal: new tenant key: %w", err)
		}
		err = k.writeTenant(path, tenantID, h)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: tenant %s has no key-encryption key", ErrNoKey, tenantID)
	}
	if err != nil {
		return nil, err
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("seal: tenant key: %w", err)
	}
	k.tenants[tenantID] = a
	return a, nil
}

func (k *FileKEK) readTenant(path, tenantID string) (*keyset.Handle, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(b)), k.aead, tenantAD(tenantID))
	if err != nil {
		return nil, fmt.Errorf("seal: unwrap tenant key %s: %w", tenantID, err)
	}
	return h, nil
}

func (k *FileKEK) writeTenant(path, tenantID string, h *keyset.Handle) error {
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewJSONWriter(&buf), k.aead, tenantAD(tenantID)); err != nil {
		return fmt.Errorf("seal: wrap tenant key %s: %w", tenantID, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// Destroy implements KEK: the file is overwritten, synced and removed.
func (k *FileKEK) Destroy(ctx context.Context, tenantID string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.tenants, tenantID)
	path, err := k.tenantPath(tenantID)
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("seal: destroy tenant key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("seal: destroy tenant key: %w", err)
	}
	_, werr := f.Write(make([]byte, st.Size()))
	serr := f.Sync()
	f.Close()
	if err := errors.Join(werr, serr, os.Remove(path)); err != nil {
		return fmt.Errorf("seal: destroy tenant key: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// Rotate implements KEK: a new primary master key, then every tenant file
// re-written under it. The master file is written first, so a crash leaves
// every tenant file readable (the old master keys stay in the keyset) and
// a second run finishes the re-wrapping.
func (k *FileKEK) Rotate(ctx context.Context) (RotateReport, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	m := keyset.NewManagerFromHandle(k.master)
	id, err := m.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return RotateReport{}, fmt.Errorf("seal: rotate master key: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return RotateReport{}, fmt.Errorf("seal: rotate master key: %w", err)
	}
	h, err := m.Handle()
	if err != nil {
		return RotateReport{}, fmt.Errorf("seal: rotate master key: %w", err)
	}
	a, err := aead.New(h)
	if err != nil {
		return RotateReport{}, fmt.Errorf("seal: rotate master key: %w", err)
	}
	if err := writeCleartext(filepath.Join(k.dir, masterFile), h); err != nil {
		return RotateReport{}, err
	}
	k.master, k.aead = h, a
	rep := RotateReport{MasterKeyID: id}
	files, err := filepath.Glob(filepath.Join(k.dir, "tenants", "*.json"))
	if err != nil {
		return rep, fmt.Errorf("seal: rotate: %w", err)
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		tenantID := filepath.Base(f[:len(f)-len(".json")])
		th, err := k.readTenant(f, tenantID)
		if err != nil {
			return rep, err
		}
		if err := k.writeTenant(f, tenantID, th); err != nil {
			return rep, err
		}
		rep.Rewrapped++
	}
	return rep, nil
}

// MasterKeyID returns the primary master key's ID.
func (k *FileKEK) MasterKeyID() uint32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.master.KeysetInfo().GetPrimaryKeyId()
}

func readCleartext(path string) (*keyset.Handle, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("seal: read %s: %w", path, err)
	}
	return h, nil
}

func writeCleartext(path string, h *keyset.Handle) error {
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return fmt.Errorf("seal: write %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// writeFileAtomic writes a key file (mode 0600) so that a crash leaves
// either the old or the new content, never a torn one.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("seal: write key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), 0o600), os.Rename(tmp.Name(), path)); err != nil {
		return fmt.Errorf("seal: write key file: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("seal: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("seal: sync %s: %w", dir, err)
	}
	return nil
}
