package audit

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := LoadKey(dir); err == nil {
		t.Fatal("a missing key loaded")
	}
	k, created, err := LoadOrCreateKey(dir)
	if err != nil || !created || len(k) != KeySize {
		t.Fatalf("create: %d bytes, created %v, %v", len(k), created, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode().Perm(), err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v", di.Mode().Perm())
	}
	again, created, err := LoadOrCreateKey(dir)
	if err != nil || created || !bytes.Equal(again, k) {
		t.Fatalf("second load: created %v, same %v, %v", created, bytes.Equal(again, k), err)
	}
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("not hex"), 0o600)
	if _, err := LoadKey(dir); err == nil {
		t.Error("a malformed key loaded")
	}
}

func TestMAC(t *testing.T) {
	k := Key(bytes.Repeat([]byte{7}, KeySize))
	e := Entry{ID: "id1", At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), ActorID: "u", ActorLogin: "login",
		ActorRole: "member", Action: PostView, TargetType: "post", TargetID: "p", ResidentID: "r", IP: "192.0.2.1",
		UserAgent: "ua", Result: OK, Detail: "d"}
	base := k.MAC("t1", 1, nil, &e)
	if len(base) != MACSize {
		t.Fatalf("MAC of %d bytes", len(base))
	}
	if !bytes.Equal(base, k.Hasher().MAC("t1", 1, nil, &e)) {
		t.Error("Hasher and Key disagree")
	}
	// Every field, the tenant, the seq, the previous MAC and the key count;
	// moving bytes between adjacent fields changes the MAC too.
	mutations := map[string]func(e *Entry) (string, int64, []byte, Key){
		"tenant": func(e *Entry) (string, int64, []byte, Key) { return "t2", 1, nil, k },
		"seq":    func(e *Entry) (string, int64, []byte, Key) { return "t1", 2, nil, k },
		"prev":   func(e *Entry) (string, int64, []byte, Key) { return "t1", 1, []byte{1}, k },
		"key":    func(e *Entry) (string, int64, []byte, Key) { return "t1", 1, nil, NewKey() },
		"id":     func(e *Entry) (string, int64, []byte, Key) { e.ID = "id2"; return "t1", 1, nil, k },
		"at":     func(e *Entry) (string, int64, []byte, Key) { e.At = e.At.Add(time.Microsecond); return "t1", 1, nil, k },
		"detail": func(e *Entry) (string, int64, []byte, Key) { e.Detail = "D"; return "t1", 1, nil, k },
		"result": func(e *Entry) (string, int64, []byte, Key) { e.Result = Denied; return "t1", 1, nil, k },
		"ip":     func(e *Entry) (string, int64, []byte, Key) { e.IP = "192.0.2.2"; return "t1", 1, nil, k },
		"boundary": func(e *Entry) (string, int64, []byte, Key) {
			e.ActorID, e.ActorLogin = "ul", "ogin"
			return "t1", 1, nil, k
		},
	}
	for name, m := range mutations {
		c := e
		tenant, seq, prev, key := m(&c)
		if bytes.Equal(base, key.MAC(tenant, seq, prev, &c)) {
			t.Errorf("%s: MAC unchanged", name)
		}
	}
}

func TestVerifySegment(t *testing.T) {
	k := NewKey()
	var es []Entry
	var prev []byte
	for i := int64(1); i <= 5; i++ {
		e := Entry{ID: "e" + string(rune('0'+i)), At: time.Unix(i, 0), Action: PostView, Result: OK, Seq: i}
		mac := k.MAC("t", i, prev, &e)
		e.MAC = hex.EncodeToString(mac)
		es = append(es, e)
		prev = mac
	}
	if err := k.VerifySegment("t", 0, "", es); err != nil {
		t.Fatal(err)
	}
	if err := k.VerifySegment("t", 2, es[1].MAC, es[2:]); err != nil {
		t.Errorf("a later segment: %v", err)
	}
	bad := append([]Entry(nil), es...)
	bad[2].Detail = "x"
	if err := k.VerifySegment("t", 0, "", bad); err == nil || err.(*Break).Seq != 3 {
		t.Errorf("edited entry: %v", err)
	}
	if err := k.VerifySegment("t", 0, "", append(append([]Entry(nil), es[:2]...), es[3:]...)); err == nil || err.(*Break).Seq != 3 {
		t.Errorf("removed entry: %v", err)
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+81": "'+81", "-1": "'-1", "@SUM": "'@SUM", "\tx": "'\tx",
		"\rx": "'\rx", "plain": "plain", "": "", "a=b": "a=b"} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
