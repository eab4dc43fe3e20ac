package tracing

import (
	"context"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		c  Config
		ok bool
	}{
		{Config{}, true},
		{Config{Endpoint: "127.0.0.1:4317"}, true},
		{Config{Endpoint: "collector:4317", SampleRatio: 1}, true},
		{Config{Endpoint: "collector"}, false},
		{Config{Endpoint: ":4317"}, false},
		{Config{Endpoint: "collector:0"}, false},
		{Config{Endpoint: "collector:http"}, false},
		{Config{Endpoint: "collector:4317", SampleRatio: 1.5}, false},
		{Config{Endpoint: "collector:4317", SampleRatio: -0.1}, false},
	} {
		if err := tc.c.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", tc.c, err, tc.ok)
		}
	}
}

func TestOffByDefault(t *testing.T) {
	stop, err := Start(context.Background(), Config{Service: "aurigraph-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	if Enabled() {
		t.Fatal("tracing on without an endpoint")
	}
	// What the hot path does while tracing is off must not allocate.
	if n := testing.AllocsPerRun(100, func() {
		if Enabled() {
			_, s := Tracer().Start(context.Background(), "x")
			s.End()
		}
	}); n != 0 {
		t.Fatalf("%v allocations per disabled span site", n)
	}
}
