package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// converse runs a SCRAM conversation between franz-go's client (written
// elsewhere, as every Kafka client's is) and SCRAMServer.
func converse(t *testing.T, users *Users, mech sasl.Mechanism) (*SCRAMServer, error) {
	t.Helper()
	srv, err := NewSCRAMServer(users, mech.Name())
	if err != nil {
		t.Fatal(err)
	}
	session, msg, err := mech.Authenticate(context.Background(), "broker:9092")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		answer, done, err := srv.Step(msg)
		if err != nil {
			return srv, err
		}
		clientDone, next, err := session.Challenge(answer)
		if err != nil {
			return srv, errors.New("client refused the server: " + err.Error())
		}
		if done != clientDone {
			t.Fatalf("server done=%v, client done=%v", done, clientDone)
		}
		if done {
			return srv, nil
		}
		msg = next
	}
	t.Fatal("the conversation did not end")
	return srv, nil
}

func TestSCRAMWithAKafkaClient(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	users, err := OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := NewUser("alice,=x", RoleSubmitter, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Put(alice); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "correct horse") {
		t.Fatal("the users file holds the password")
	}
	for _, tc := range []struct {
		name, user, pass string
		ok               bool
	}{
		{"right password", "alice,=x", "correct horse battery", true},
		{"wrong password", "alice,=x", "correct horse battery!", false},
		{"unknown user", "mallory", "correct horse battery", false},
	} {
		for _, mech := range []sasl.Mechanism{
			scram.Auth{User: tc.user, Pass: tc.pass}.AsSha256Mechanism(),
			scram.Auth{User: tc.user, Pass: tc.pass}.AsSha512Mechanism(),
		} {
			t.Run(tc.name+" "+mech.Name(), func(t *testing.T) {
				srv, err := converse(t, users, mech)
				if tc.ok != (err == nil) {
					t.Fatalf("err = %v, want ok=%v", err, tc.ok)
				}
				if !tc.ok && !errors.Is(err, ErrInvalidCredentials) {
					t.Fatalf("err = %v, want ErrInvalidCredentials", err)
				}
				if tc.ok && (srv.Principal().Role != RoleSubmitter || srv.Principal().Subject != "user:alice,=x") {
					t.Fatalf("principal %+v", srv.Principal())
				}
				if srv.Name() != tc.user {
					t.Fatalf("claimed name %q, want %q", srv.Name(), tc.user)
				}
			})
		}
	}
}

func TestPasswordsAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	users, err := OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another process (aurigraph user add) writes the file.
	other, err := OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := NewUser("bob", RoleViewer, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Put(bob); err != nil {
		t.Fatal(err)
	}
	users.checked = users.checked.Add(-2e9)
	p, err := users.VerifyPassword("bob", "a long enough password")
	if err != nil || p.Role != RoleViewer || p.Method != MethodPassword {
		t.Fatalf("VerifyPassword = %+v, %v", p, err)
	}
	if _, err := users.VerifyPassword("bob", "a long enough passwore"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := users.AddProcessUser("pipeline", RoleValidator, "process password 123"); err != nil {
		t.Fatal(err)
	}
	if err := users.AddProcessUser("bob", RoleAdmin, "process password 123"); err == nil {
		t.Fatal("a process user shadowed a user of the file")
	}
	if p, err := users.VerifyPassword("pipeline", "process password 123"); err != nil || p.Role != RoleValidator {
		t.Fatalf("process user: %+v, %v", p, err)
	}
	if err := other.Remove("bob"); err != nil {
		t.Fatal(err)
	}
	users.checked = users.checked.Add(-2e9)
	if _, err := users.VerifyPassword("bob", "a long enough password"); err == nil {
		t.Fatal("a removed user still authenticates")
	}
	for _, bad := range []struct {
		name, pass string
		role       Role
	}{{"", "a long enough password", RoleViewer}, {"with space", "a long enough password", RoleViewer}, {"x", "short", RoleViewer}, {"x", "a long enough password", RoleNone}} {
		if _, err := NewUser(bad.name, bad.role, bad.pass); err == nil {
			t.Errorf("NewUser(%q, %s, %q) accepted", bad.name, bad.role, bad.pass)
		}
	}
}

func TestSCRAMRefusesWhatItDoesNotSupport(t *testing.T) {
	users, err := OpenUsers("")
	if err != nil {
		t.Fatal(err)
	}
	for _, first := range []string{
		"p=tls-unique,,n=alice,r=abc",     // channel binding
		"n,,n=alice,r=abc,tokenauth=true", // an extension (Kafka delegation tokens)
		"n,a=bob,n=alice,r=abc",           // another authorization identity
		"n,,n=al=ice,r=abc",               // a bare '='
		"n,,r=abc",
	} {
		srv, _ := NewSCRAMServer(users, SCRAMSHA256)
		if _, _, err := srv.Step([]byte(first)); err == nil {
			t.Errorf("client-first %q accepted", first)
		}
	}
	if _, _, err := ParsePlain([]byte("bob\x00alice\x00pw")); err == nil {
		t.Error("PLAIN with another authorization identity accepted")
	}
	if n, p, err := ParsePlain([]byte("\x00alice\x00pw")); err != nil || n != "alice" || p != "pw" {
		t.Errorf("ParsePlain = %q %q %v", n, p, err)
	}
}
