package broker

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/auth"
)

// FuzzGateBeforeAuth hands the gate whatever bytes a client that has not
// authenticated may send: it must answer or close, never panic, and never
// let the connection through.
func FuzzGateBeforeAuth(f *testing.F) {
	users, err := auth.OpenUsers("")
	if err != nil {
		f.Fatal(err)
	}
	k, err := newGatekeeper(&SASL{Users: users, Timeout: time.Minute})
	if err != nil {
		f.Fatal(err)
	}
	fm := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz"))
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.SetVersion(1)
	hs.Mechanism = auth.SCRAMSHA256
	au := kmsg.NewPtrSASLAuthenticateRequest()
	au.SetVersion(2)
	au.SASLAuthBytes = []byte("n,,n=alice,r=nonce")
	f.Add(append(fm.AppendRequest(nil, hs, 1), fm.AppendRequest(nil, au, 2)...))
	f.Add(fm.AppendRequest(nil, kmsg.NewPtrMetadataRequest(), 3))
	f.Add([]byte{0, 0, 0, 2, 0, 17})
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		defer client.Close()
		go func() {
			_, _ = client.Write(data)
			client.Close()
		}()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		g := k.wrap(server, false)
		defer g.Close()
		for range 8 {
			if err := g.beforeAuth(); err != nil {
				break
			}
			g.out, g.waiting, g.after = nil, nil, nil
		}
		if g.authed.Load() {
			t.Fatalf("%x authenticated", data)
		}
	})
}
