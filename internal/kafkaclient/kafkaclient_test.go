package kafkaclient

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
)

func TestConfigRefusesWhatWouldLeakOrNotWork(t *testing.T) {
	pw := func() (string, error) { return "pw", nil }
	for _, tc := range []struct {
		name string
		c    Config
		ok   bool
	}{
		{"nothing", Config{}, true},
		{"SCRAM", Config{Mechanism: SCRAMSHA512, User: "u", Password: pw}, true},
		{"SCRAM-SHA-256 in lower case", Config{Mechanism: "scram-sha-256", User: "u", Password: pw}, true},
		{"PLAIN over TLS", Config{Mechanism: Plain, User: "u", Password: pw, TLS: &tls.Config{}}, true},
		{"PLAIN in the clear", Config{Mechanism: Plain, User: "u", Password: pw}, false},
		{"no user", Config{Mechanism: SCRAMSHA512, Password: pw}, false},
		{"user without mechanism", Config{User: "u"}, false},
		{"GSSAPI", Config{Mechanism: "GSSAPI", User: "u", Password: pw}, false},
	} {
		if _, err := tc.c.Opts(); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestPasswordFileIsReadAtEveryCall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw")
	read := PasswordFile(path)
	if _, err := read(); err == nil {
		t.Fatal("a missing file gave a password")
	}
	for _, want := range []string{"first", "second"} {
		if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := read(); err != nil || got != want {
			t.Fatalf("read %q, %v; want %q", got, err, want)
		}
	}
	if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := read(); err == nil {
		t.Fatal("an empty file gave a password")
	}
}
