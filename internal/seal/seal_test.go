package seal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/renrakucho/renrakucho/internal/seal"
)

const (
	tenantA = "0190a000-0000-7000-8000-00000000000a"
	tenantB = "0190a000-0000-7000-8000-00000000000b"
)

func openDir(t *testing.T) (string, *seal.FileKEK) {
	t.Helper()
	dir := t.TempDir()
	if created, err := seal.InitDir(dir); err != nil || !created {
		t.Fatalf("init: %v %v", created, err)
	}
	if created, err := seal.InitDir(dir); err != nil || created {
		t.Fatalf("second init replaced the master key: %v %v", created, err)
	}
	kek, err := seal.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, kek
}

func TestKeyring(t *testing.T) {
	ctx := context.Background()
	dir, kek := openDir(t)
	k := seal.NewKeyring(kek)
	wa, err := k.NewKeyset(ctx, tenantA)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := k.NewKeyset(ctx, tenantB)
	if err != nil {
		t.Fatal(err)
	}
	ka, err := k.Open(ctx, tenantA, wa)
	if err != nil {
		t.Fatal(err)
	}
	ad := []byte("place")
	ct, err := ka.Encrypt([]byte("本文"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if !ka.Current(ct) {
		t.Error("fresh ciphertext not on the primary key")
	}

	t.Run("ErrKeysetOfOtherTenant", func(t *testing.T) {
		if _, err := k.Open(ctx, tenantA, wb); err == nil {
			t.Error("tenant b's keyset opened as tenant a's")
		}
	})

	t.Run("ErrWrapKeyFileMoved", func(t *testing.T) {
		// Tenant b's wrapping key copied over tenant a's does not unwrap
		// tenant a's keyset, nor open as tenant a's wrapping key.
		other, err := seal.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "tenants", tenantB+".json"))
		if err != nil {
			t.Fatal(err)
		}
		moved := filepath.Join(dir, "tenants", tenantA+".json")
		saved, _ := os.ReadFile(moved)
		if err := os.WriteFile(moved, b, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(moved, saved, 0o600)
		if _, err := seal.NewKeyring(other).Open(ctx, tenantA, wa); err == nil {
			t.Error("a moved wrapping key opened")
		}
	})

	t.Run("Rotate", func(t *testing.T) {
		w2, err := k.Rotate(ctx, tenantA, wa)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := k.Open(ctx, tenantA, w2)
		if err != nil {
			t.Fatal(err)
		}
		if k2.Current(ct) {
			t.Error("old ciphertext counted as on the new primary key")
		}
		pt, err := k2.Decrypt(ct, ad)
		if err != nil || string(pt) != "本文" {
			t.Fatalf("old ciphertext after rotation: %q %v", pt, err)
		}
		ct2, _ := k2.Encrypt([]byte("新"), ad)
		if !k2.Current(ct2) {
			t.Error("new ciphertext not on the new primary key")
		}
		if _, err := ka.Decrypt(ct2, ad); err == nil {
			t.Error("the old keyset opened the new key's ciphertext")
		}
	})

	t.Run("RotateKEK", func(t *testing.T) {
		before := kek.MasterKeyID()
		old, _ := os.ReadFile(filepath.Join(dir, "tenants", tenantA+".json"))
		rep, err := kek.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rewrapped != 2 || rep.MasterKeyID == before {
			t.Errorf("report %+v (master was %d)", rep, before)
		}
		now, _ := os.ReadFile(filepath.Join(dir, "tenants", tenantA+".json"))
		if bytes.Equal(old, now) {
			t.Error("tenant key file not re-wrapped")
		}
		// A fresh process reads the re-wrapped keys.
		fresh, err := seal.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		kf, err := seal.NewKeyring(fresh).Open(ctx, tenantA, wa)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := kf.Decrypt(ct, ad); err != nil || string(pt) != "本文" {
			t.Fatalf("after KEK rotation: %q %v", pt, err)
		}
	})

	t.Run("Destroy", func(t *testing.T) {
		if err := k.Destroy(ctx, tenantA); err != nil {
			t.Fatal(err)
		}
		fresh, err := seal.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := seal.NewKeyring(fresh).Open(ctx, tenantA, wa); !errors.Is(err, seal.ErrNoKey) {
			t.Errorf("destroyed tenant's keyset: %v", err)
		}
		if _, err := seal.NewKeyring(fresh).Open(ctx, tenantB, wb); err != nil {
			t.Errorf("other tenant after destroy: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "tenants", tenantA+".json")); !os.IsNotExist(err) {
			t.Errorf("key file still there: %v", err)
		}
	})
}

func TestOpenDirMissing(t *testing.T) {
	if _, err := seal.OpenDir(t.TempDir()); err == nil {
		t.Fatal("opened a key directory without a master key")
	}
}
