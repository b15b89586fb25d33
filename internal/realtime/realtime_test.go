package realtime

import (
	"testing"
	"time"
)

func TestLocal(t *testing.T) {
	h := NewLocal()
	a, cancelA := h.Subscribe("t1", "alice")
	b, cancelB := h.Subscribe("t1", "bob")
	other, cancelO := h.Subscribe("t2", "alice")
	defer cancelB()
	defer cancelO()
	h.Publish("t1", []string{"alice"}, Event{Kind: "post.created", PostID: "p1"})
	select {
	case ev := <-a:
		if ev.PostID != "p1" {
			t.Fatalf("got %+v", ev)
		}
	case <-time.After(time.Second):
		t.Fatal("alice got nothing")
	}
	select {
	case ev := <-b:
		t.Fatalf("bob is not in the audience but got %+v", ev)
	case ev := <-other:
		t.Fatalf("alice of another tenant got %+v", ev)
	default:
	}
	// A slow subscriber never blocks the publisher.
	for i := 0; i < Buffer*3; i++ {
		h.Publish("t1", []string{"bob"}, Event{Kind: "post.read"})
	}
	if n := len(b); n != Buffer {
		t.Fatalf("bob has %d buffered, want %d", n, Buffer)
	}
	cancelA()
	cancelA()
	if h.Subscribers() != 2 {
		t.Fatalf("%d subscribers after cancel, want 2", h.Subscribers())
	}
}
