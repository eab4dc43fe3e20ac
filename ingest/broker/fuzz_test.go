package broker

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
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

// FuzzCompletionRequests hands the answer completion whatever bytes a
// client sends: what reaches the broker is the same bytes, frame by frame,
// but for a ListTransactions request whose state filters it rewrote, which
// must still decode.
func FuzzCompletionRequests(f *testing.F) {
	fm := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz"))
	lt := kmsg.NewPtrListTransactionsRequest()
	lt.SetVersion(1)
	lt.StateFilters = []string{txnCompleteCommit, "Ongoing"}
	ct := kmsg.NewPtrCreateTopicsRequest()
	ct.SetVersion(7)
	ct.Topics = append(ct.Topics, kmsg.NewCreateTopicsRequestTopic())
	f.Add(append(fm.AppendRequest(nil, lt, 1), fm.AppendRequest(nil, kmsg.NewPtrMetadataRequest(), 2)...))
	f.Add(fm.AppendRequest(nil, ct, 3))
	f.Add([]byte{0, 0, 0, 9, 0, 66, 0, 1, 0, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 0, 2, 0, 66})
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		go func() {
			_, _ = client.Write(data)
			client.Close()
		}()
		cc := newCompletion(slog.New(slog.DiscardHandler)).wrap(server)
		got, _ := io.ReadAll(cc)
		in, out := frames(data), frames(got)
		if len(in) != len(out) {
			t.Fatalf("%d frames in, %d out", len(in), len(out))
		}
		for i := range in {
			if bytes.Equal(in[i], out[i]) {
				continue
			}
			if len(in[i]) < 12 || binary.BigEndian.Uint16(in[i][4:6]) != uint16(kmsg.ListTransactions) {
				t.Fatalf("frame %d changed: %x became %x", i, in[i], out[i])
			}
			req := kmsg.NewPtrListTransactionsRequest()
			req.SetVersion(int16(binary.BigEndian.Uint16(out[i][6:8])))
			r := kbin.Reader{Src: out[i][12:]}
			r.NullableString()
			if req.IsFlexible() {
				kmsg.SkipTags(&r)
			}
			if err := req.ReadFrom(r.Src); err != nil {
				t.Fatalf("rewritten frame %x does not decode: %v", out[i], err)
			}
		}
	})
}

// frames splits a client's bytes at its requests' size prefixes; the
// last may be cut short.
func frames(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := len(b)
		if len(b) >= 4 {
			n = min(n, 4+int(binary.BigEndian.Uint32(b)))
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// FuzzCompletionAnswers hands the completion whatever the broker might
// answer to each request it completes: it sends it on as it is, or a whole
// frame.
func FuzzCompletionAnswers(f *testing.F) {
	f.Add(int16(19), int16(7), []byte{0, 0, 0, 0, 0})
	f.Add(int16(66), int16(1), []byte{0, 0, 0, 0, 0, 0, 2, 4, 't', 'x', 'n', 0, 0, 0, 0, 0, 0, 0, 1, 6, 'E', 'm', 'p', 't', 'y', 0, 0})
	f.Add(int16(75), int16(0), []byte{0, 0, 0, 0, 0, 0xff, 0})
	f.Fuzz(func(t *testing.T, key, version int16, body []byte) {
		if !completedKeys[key] {
			return
		}
		req := kmsg.RequestForKey(key)
		req.SetVersion(version)
		c := newCompletion(slog.New(slog.DiscardHandler))
		c.ends["txn"] = txnEnd{producerID: 1, commit: true}
		frame := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
		frame = append(binary.BigEndian.AppendUint32(frame, 7), body...)
		out := c.completeAnswer(pendingAnswer{req: req, stateFilters: []string{txnCompleteCommit}}, frame)
		if out != nil && (len(out) < 8 || int(binary.BigEndian.Uint32(out)) != len(out)-4 || !bytes.Equal(out[4:8], frame[4:8])) {
			t.Fatalf("completed %x into %x", frame, out)
		}
	})
}
