package auth

import (
	"testing"
)

// FuzzSCRAMServer feeds a conversation messages a client chose: nothing
// panics, and nothing authenticates without the password.
func FuzzSCRAMServer(f *testing.F) {
	users, err := OpenUsers("")
	if err != nil {
		f.Fatal(err)
	}
	if err := users.AddProcessUser("alice", RoleViewer, "a password long enough"); err != nil {
		f.Fatal(err)
	}
	f.Add("n,,n=alice,r=abcdef", "c=biws,r=abcdef,p=AAAA")
	f.Add("y,a=alice,n=alice,r=x", "c=eSxhPWFsaWNlLA==,r=x,p=")
	f.Add("n,,n=al=2Cice,r=", "")
	f.Fuzz(func(t *testing.T, first, final string) {
		for _, m := range []string{SCRAMSHA256, SCRAMSHA512} {
			s, _ := NewSCRAMServer(users, m)
			if _, _, err := s.Step([]byte(first)); err != nil {
				continue
			}
			if _, done, err := s.Step([]byte(final)); err == nil || done {
				t.Fatalf("authenticated with %q, %q", first, final)
			}
		}
	})
}

func FuzzParsePlain(f *testing.F) {
	f.Add([]byte("\x00alice\x00pw"))
	f.Add([]byte("alice\x00alice\x00pw"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		name, _, err := ParsePlain(msg)
		if err == nil && name == "" {
			t.Fatalf("%q: no name, no error", msg)
		}
	})
}
