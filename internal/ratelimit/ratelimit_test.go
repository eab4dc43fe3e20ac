package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBucketRefillsAndSaysWhenToRetry(t *testing.T) {
	l := New(10, 5, 0)
	now := time.Unix(1000, 0)
	for i := range 5 {
		if ok, _ := l.Take("alice", 1, now); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := l.Take("alice", 1, now)
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("over the burst: ok=%v wait=%v, want refused for 100ms", ok, wait)
	}
	if ok, _ := l.Take("bob", 1, now); !ok {
		t.Fatal("another key was limited by alice's use")
	}
	if ok, _ := l.Take("alice", 1, now.Add(wait)); !ok {
		t.Fatal("refused after waiting as told")
	}
	// A batch larger than the burst passes on a full bucket and leaves a
	// debt: the next request waits until the batch is paid for.
	later := now.Add(time.Hour)
	if ok, _ := l.Take("alice", 50, later); !ok {
		t.Fatal("a batch larger than the burst never passes")
	}
	if ok, wait := l.Take("alice", 1, later); ok || wait != 4600*time.Millisecond {
		t.Fatalf("after the batch: ok=%v wait=%v, want refused for 4.6s", ok, wait)
	}
	if ok, _ := New(0, 0, 0).Take("x", 1e9, now); !ok {
		t.Fatal("rate 0 limited")
	}
}

func TestMemoryIsBounded(t *testing.T) {
	l := New(1, 1, 100)
	now := time.Unix(1000, 0)
	for i := range 10_000 {
		l.Take(fmt.Sprint("addr-", i), 1, now)
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("%d keys remembered, want the bound of 100", n)
	}
	// The most recent keys are the ones kept.
	if ok, _ := l.Take("addr-9999", 1, now); ok {
		t.Fatal("the newest key was forgotten")
	}
}
