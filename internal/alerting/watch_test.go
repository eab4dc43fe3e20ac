package alerting

import (
	"context"
	"sync"
	"testing"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// replayingValidator is a validator just restarted: the first read of its
// state comes before the replay of its log, which a linearizable read
// waits for.
type replayingValidator struct {
	stuckValidator
	replayed *State
	// read is closed by the first read of the alerts.
	read     chan struct{}
	readOnce sync.Once
}

func (v *replayingValidator) LinearizableRead(context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.replay()
	return nil
}

func (v *replayingValidator) Alerts() *aurigraphv1.AlertState {
	v.mu.Lock()
	defer v.mu.Unlock()
	defer v.replay()
	v.readOnce.Do(func() { close(v.read) })
	return v.st.Proto()
}

func (v *replayingValidator) replay() {
	if v.replayed != nil {
		v.st, v.replayed = v.replayed, nil
	}
}

func (v *replayingValidator) apply(t *testing.T, e *aurigraphv1.AlertEntry) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.st.Apply(e, 100); err != nil {
		t.Fatal(err)
	}
}

// TestWatchSkipsTheReplayedLog checks that the transitions a restarted
// validator applies again from its log are not published as live events,
// and those after them are.
func TestWatchSkipsTheReplayedLog(t *testing.T) {
	replayed := NewState()
	for _, e := range []*aurigraphv1.AlertEntry{{PutRule: ruleFor(idA), Create: true}, transition(idA, true, 0), transition(idA, false, 1)} {
		if _, err := replayed.Apply(e, 100); err != nil {
			t.Fatal(err)
		}
	}
	v := &replayingValidator{stuckValidator: stuckValidator{st: NewState()}, replayed: replayed, read: make(chan struct{})}
	var mu sync.Mutex
	var got []uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, v, 5*time.Millisecond, func(tr *aurigraphv1.AlertTransition) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, tr.GetId())
		})
	}()
	select {
	case <-v.read: // where Watch starts from; the apply waits for it to return
	case <-time.After(5 * time.Second):
		t.Fatal("Watch never read the alerts")
	}
	v.apply(t, transition(idA, true, 2))
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if len(got) != 1 || got[0] != 3 {
		t.Fatalf("published transitions %v, want only 3, the one applied after the replay", got)
	}
}
