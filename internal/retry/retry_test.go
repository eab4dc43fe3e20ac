package retry

import (
	"context"
	"testing"
	"time"
)

func TestBackoffGrowsWithJitterUpToMaxAndResets(t *testing.T) {
	b := Backoff{Min: 10 * time.Millisecond, Max: 80 * time.Millisecond}
	for i, want := range []time.Duration{10, 20, 40, 80, 80, 80} {
		want *= time.Millisecond
		got := b.Next()
		if got < want/2 || got > want {
			t.Fatalf("failure %d: delay %v, want within [%v, %v]", i+1, got, want/2, want)
		}
	}
	if b.Failures() != 6 {
		t.Fatalf("Failures = %d, want 6", b.Failures())
	}
	b.Reset()
	if got := b.Next(); got > 10*time.Millisecond {
		t.Fatalf("after Reset: delay %v, want at most Min", got)
	}
}

func TestBackoffJitterSpreadsDelays(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		b := Backoff{Min: time.Second, Max: time.Second}
		seen[b.Next()] = true
	}
	if len(seen) < 10 {
		t.Fatalf("50 draws gave %d distinct delays; jitter missing", len(seen))
	}
}

func TestBackoffZeroValueHasDefaults(t *testing.T) {
	var b Backoff
	if got := b.Next(); got < 50*time.Millisecond || got > 100*time.Millisecond {
		t.Fatalf("first delay %v, want 50-100ms", got)
	}
	for range 40 {
		b.Next()
	}
	if got := b.Next(); got > 30*time.Second || got < 15*time.Second {
		t.Fatalf("capped delay %v, want 15-30s", got)
	}
}

func TestBackoffWaitEndsWithContext(t *testing.T) {
	b := Backoff{Min: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Wait(ctx); err != context.Canceled {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	b = Backoff{Min: time.Millisecond, Max: time.Millisecond}
	if err := b.Wait(context.Background()); err != nil {
		t.Fatalf("Wait = %v", err)
	}
}

func TestGateThrottlesRepeatsButNotNewKeys(t *testing.T) {
	g := Gate{Every: time.Hour}
	if ok, _ := g.Allow("a"); !ok {
		t.Fatal("first line held back")
	}
	for range 5 {
		if ok, _ := g.Allow("a"); ok {
			t.Fatal("repeat within Every let through")
		}
	}
	if ok, n := g.Allow("b"); !ok || n != 0 {
		t.Fatalf("new key: Allow = %v, %d; want true, 0", ok, n)
	}
	g.Clear()
	if ok, _ := g.Allow("b"); !ok {
		t.Fatal("line after Clear held back")
	}

	g = Gate{Every: 200 * time.Millisecond}
	g.Allow("a")
	g.Allow("a")
	g.Allow("a")
	time.Sleep(300 * time.Millisecond)
	if ok, n := g.Allow("a"); !ok || n != 2 {
		t.Fatalf("after Every: Allow = %v, %d; want true, 2", ok, n)
	}
}
