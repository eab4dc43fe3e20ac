package broker

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
)

// preAuthMaxBytes bounds a request read before its connection has
// authenticated: SASL messages and ApiVersions are a few hundred bytes.
const preAuthMaxBytes = 64 << 10

// Correlation ids of the requests a gate writes to the broker itself; the
// client has nothing in flight while they are, so they cannot be confused
// with its own.
const (
	loginHandshakeCorr    int32 = -0x4147
	loginAuthenticateCorr int32 = -0x4146
)

var (
	errUnauthenticated = errors.New("broker: connection closed: not authenticated")
	errReauthenticate  = errors.New("broker: connection closed: SASL re-authentication is not supported")
)

// gatekeeper holds what every gate of one broker shares: who may log in,
// and the broker-side accounts it logs them in as.
type gatekeeper struct {
	users   *auth.Users
	audit   *audit.Log
	timeout time.Duration
	// secrets are the passwords of the broker-side accounts, one per role,
	// made afresh at each start; they never leave the process.
	secrets map[auth.Role]string
}

func newGatekeeper(s *SASL) (*gatekeeper, error) {
	g := &gatekeeper{users: s.Users, audit: s.Audit, timeout: s.Timeout, secrets: map[auth.Role]string{}}
	for _, r := range auth.Roles {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		g.secrets[r] = base64.RawStdEncoding.EncodeToString(b[:])
	}
	return g, nil
}

// roleUser is the broker-side account principals of role act as; the
// broker's ACLs name it.
func roleUser(r auth.Role) string { return "aurigraph.role." + r.String() }

// gate stands between one client connection and the broker. Before the
// client has authenticated, it reads whole requests: ApiVersions goes on to
// the broker, SASL handshakes and authentications it answers itself,
// against the users' verifiers, and anything else closes the connection.
// Once the client has proved who it is, the gate logs the connection in to
// the broker as the account of the client's role (a PLAIN exchange with
// that account's per-start secret, whose answers the client never sees), so
// the broker's ACLs decide what the connection may do; from then on bytes
// pass through untouched, except that a new SASL exchange closes the
// connection.
//
// The broker handles a connection's requests one at a time and writes each
// response with one Write; before authentication the gate also waits for
// each response before reading the next request, so its own answers keep
// the client's order.
type gate struct {
	net.Conn
	k      *gatekeeper
	tls    bool
	remote string

	wmu sync.Mutex // one writer at a time: the broker's responses and the gate's own

	// Read side: only the broker's reading goroutine touches these.
	out       []byte
	waiting   chan struct{}
	after     func() error
	mechanism string
	scram     *auth.SCRAMServer
	frameLeft int

	mu       sync.Mutex
	expect   map[int32]bool  // responses awaited; true: the gate's own, swallowed
	versions map[int32]int16 // versions of the ApiVersions requests awaited, by correlation id
	answered chan struct{}   // closed once every awaited response is in
	loginErr error

	authed atomic.Bool
	timer  *time.Timer
	done   chan struct{}
	once   sync.Once
}

func (k *gatekeeper) wrap(c net.Conn, tls bool) *gate {
	g := &gate{Conn: c, k: k, tls: tls, remote: c.RemoteAddr().String(), done: make(chan struct{})}
	g.timer = time.AfterFunc(k.timeout, func() {
		if !g.authed.Load() {
			g.record("", audit.Unauthenticated, fmt.Sprintf("no SASL authentication within %s", k.timeout))
			g.Close()
		}
	})
	return g
}

// wrapInternal gates an in-process connection: it is logged in as role at
// once, without SASL from the client.
func (k *gatekeeper) wrapInternal(c net.Conn, role auth.Role) *gate {
	g := &gate{Conn: c, k: k, remote: "in-process", done: make(chan struct{})}
	g.login(role, func() error { return nil })
	return g
}

func (g *gate) Close() error {
	g.once.Do(func() {
		close(g.done)
		if g.timer != nil {
			g.timer.Stop()
		}
	})
	return g.Conn.Close()
}

func (g *gate) record(who string, result audit.Result, reason string) {
	if who == "" {
		who = "anonymous"
	}
	g.k.audit.Record(context.Background(), audit.Event{Who: who, Action: "kafka.authenticate", Route: "kafka", From: g.remote, Result: result, Reason: reason})
}

func (g *gate) Read(p []byte) (int, error) {
	for {
		if len(g.out) > 0 {
			n := copy(p, g.out)
			g.out = g.out[n:]
			return n, nil
		}
		if g.waiting != nil {
			select {
			case <-g.waiting:
			case <-g.done:
				return 0, net.ErrClosed
			}
			g.waiting = nil
			if f := g.after; f != nil {
				g.after = nil
				if err := f(); err != nil {
					return 0, err
				}
			}
			continue
		}
		if g.authed.Load() {
			return g.pass(p)
		}
		if err := g.beforeAuth(); err != nil {
			return 0, err
		}
	}
}

// pass forwards the next bytes of an authenticated connection, looking at
// each request's size and key before any of it goes on.
func (g *gate) pass(p []byte) (int, error) {
	if g.frameLeft == 0 {
		var hdr [6]byte
		if _, err := io.ReadFull(g.Conn, hdr[:]); err != nil {
			return 0, err
		}
		size := binary.BigEndian.Uint32(hdr[:4])
		key := int16(binary.BigEndian.Uint16(hdr[4:]))
		if size < 2 {
			return 0, fmt.Errorf("broker: request of %d bytes from %s", size, g.remote)
		}
		if key == kmsg.SASLHandshake.Int16() || key == kmsg.SASLAuthenticate.Int16() {
			return 0, errReauthenticate
		}
		g.frameLeft = int(size) - 2
		g.out = append(g.out[:0], hdr[:]...)
		n := copy(p, g.out)
		g.out = g.out[n:]
		return n, nil
	}
	n, err := g.Conn.Read(p[:min(len(p), g.frameLeft)])
	g.frameLeft -= n
	return n, err
}

// beforeAuth reads one whole request of a connection that has not
// authenticated yet and deals with it.
func (g *gate) beforeAuth() error {
	var size [4]byte
	if _, err := io.ReadFull(g.Conn, size[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > preAuthMaxBytes {
		g.record("", audit.Unauthenticated, fmt.Sprintf("a request of %d bytes before authentication", n))
		return errUnauthenticated
	}
	frame := make([]byte, 4+n)
	copy(frame, size[:])
	if _, err := io.ReadFull(g.Conn, frame[4:]); err != nil {
		return err
	}
	r := kbin.Reader{Src: frame[4:]}
	key, version, corr := r.Int16(), r.Int16(), r.Int32()
	r.NullableString()
	req := kmsg.RequestForKey(key)
	if req == nil || !r.Ok() {
		g.record("", audit.Unauthenticated, fmt.Sprintf("unknown request key %d before authentication", key))
		return errUnauthenticated
	}
	req.SetVersion(version)
	if req.IsFlexible() {
		kmsg.SkipTags(&r)
	}
	if err := req.ReadFrom(r.Src); err != nil || !r.Ok() {
		g.record("", audit.Unauthenticated, fmt.Sprintf("malformed %s request before authentication", kmsg.NameForKey(key)))
		return errUnauthenticated
	}
	switch req := req.(type) {
	case *kmsg.ApiVersionsRequest:
		g.mu.Lock()
		g.versions = map[int32]int16{corr: version}
		g.mu.Unlock()
		g.forward(frame, corr)
		return nil
	case *kmsg.SASLHandshakeRequest:
		return g.handshake(req, corr)
	case *kmsg.SASLAuthenticateRequest:
		return g.authenticate(req, corr)
	}
	g.record("", audit.Unauthenticated, kmsg.NameForKey(key)+" request before SASL authentication")
	return errUnauthenticated
}

// forward hands a request to the broker and waits for its response before
// the next one is read.
func (g *gate) forward(frame []byte, corr int32) {
	g.await(map[int32]bool{corr: false})
	g.out = frame
}

// await registers the responses the next Read waits for.
func (g *gate) await(corrs map[int32]bool) {
	g.waiting = make(chan struct{})
	g.mu.Lock()
	g.expect, g.answered = corrs, g.waiting
	g.mu.Unlock()
}

func (g *gate) mechanisms() []string {
	m := []string{auth.SCRAMSHA512, auth.SCRAMSHA256}
	if g.tls {
		// PLAIN sends the password itself: only inside TLS.
		m = append(m, "PLAIN")
	}
	return m
}

func (g *gate) handshake(req *kmsg.SASLHandshakeRequest, corr int32) error {
	resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
	resp.SupportedMechanisms = g.mechanisms()
	switch {
	case req.Version < 1:
		// Version 0 is followed by raw SASL tokens outside of Kafka
		// requests, which the gate does not speak.
		resp.ErrorCode = kerr.UnsupportedVersion.Code
	case g.mechanism != "":
		resp.ErrorCode = kerr.IllegalSaslState.Code
	case !slices.Contains(resp.SupportedMechanisms, req.Mechanism):
		resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
	default:
		g.mechanism = req.Mechanism
		if req.Mechanism != "PLAIN" {
			g.scram, _ = auth.NewSCRAMServer(g.k.users, req.Mechanism)
		}
	}
	if err := g.respond(corr, resp); err != nil {
		return err
	}
	if resp.ErrorCode != 0 {
		g.record("", audit.Unauthenticated, fmt.Sprintf("SASL handshake refused: %s (offered %v)", req.Mechanism, resp.SupportedMechanisms))
		return errUnauthenticated
	}
	return nil
}

func (g *gate) authenticate(req *kmsg.SASLAuthenticateRequest, corr int32) error {
	resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
	var (
		p      auth.Principal
		claim  string
		answer []byte
		done   bool
		err    error
	)
	switch {
	case g.mechanism == "":
		err = errors.New("SASL authenticate before a handshake")
	case g.scram == nil:
		var password string
		if claim, password, err = auth.ParsePlain(req.SASLAuthBytes); err == nil {
			p, err = g.k.users.VerifyPassword(claim, password)
			done = err == nil
		}
	default:
		answer, done, err = g.scram.Step(req.SASLAuthBytes)
		claim, p = g.scram.Name(), g.scram.Principal()
	}
	if err != nil {
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "Authentication failed: invalid username or password"
		resp.ErrorMessage = &msg
		_ = g.respond(corr, resp)
		who := ""
		if claim != "" {
			who = "user:" + claim
		}
		g.record(who, audit.Unauthenticated, fmt.Sprintf("SASL %s: %v", g.mechanism, err))
		return errUnauthenticated
	}
	resp.SASLAuthBytes = answer
	if !done {
		return g.respond(corr, resp)
	}
	g.login(p.Role, func() error { return g.respond(corr, resp) })
	return nil
}

// login writes a PLAIN exchange for role's broker-side account to the
// broker; once both answers are in, and good, reply runs and the
// connection passes through.
func (g *gate) login(role auth.Role, reply func() error) {
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("aurigraph-broker-gate"))
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.SetVersion(1)
	hs.Mechanism = "PLAIN"
	au := kmsg.NewPtrSASLAuthenticateRequest()
	au.SetVersion(1)
	au.SASLAuthBytes = []byte("\x00" + roleUser(role) + "\x00" + g.k.secrets[role])
	g.await(map[int32]bool{loginHandshakeCorr: true, loginAuthenticateCorr: true})
	// AppendRequest sizes the message from the start of its buffer, so
	// each request gets one of its own.
	g.out = append(f.AppendRequest(nil, hs, loginHandshakeCorr), f.AppendRequest(nil, au, loginAuthenticateCorr)...)
	g.after = func() error {
		g.mu.Lock()
		err := g.loginErr
		g.mu.Unlock()
		if err != nil {
			return fmt.Errorf("broker: log in as %s: %w", roleUser(role), err)
		}
		if err := reply(); err != nil {
			return err
		}
		g.authed.Store(true)
		if g.timer != nil {
			g.timer.Stop()
		}
		return nil
	}
}

// respond writes the gate's own response to the client.
func (g *gate) respond(corr int32, resp kmsg.Response) error {
	buf := make([]byte, 8, 128)
	if resp.IsFlexible() {
		buf = append(buf, 0) // the response header's empty tagged fields
	}
	buf = resp.AppendTo(buf)
	binary.BigEndian.PutUint32(buf[:4], uint32(len(buf)-4))
	binary.BigEndian.PutUint32(buf[4:], uint32(corr))
	g.wmu.Lock()
	defer g.wmu.Unlock()
	_, err := g.Conn.Write(buf)
	return err
}

// Write takes one whole response from the broker.
func (g *gate) Write(p []byte) (int, error) {
	if len(p) < 10 || g.authed.Load() {
		return g.write(p)
	}
	corr := int32(binary.BigEndian.Uint32(p[4:8]))
	g.mu.Lock()
	own, awaited := g.expect[corr]
	version, apiVersions := g.versions[corr]
	delete(g.versions, corr)
	// Both login requests are of versions whose response starts with an
	// error code.
	if code := int16(binary.BigEndian.Uint16(p[8:10])); own && code != 0 && g.loginErr == nil {
		g.loginErr = kerr.ErrorForCode(code)
	}
	g.mu.Unlock()
	var n int
	var err error
	switch {
	case own:
		n = len(p)
	case apiVersions:
		_, err = g.write(advertiseHandshakeV0(p, version))
		n = len(p)
	default:
		n, err = g.write(p)
	}
	if awaited {
		g.mu.Lock()
		delete(g.expect, corr)
		if len(g.expect) == 0 {
			close(g.answered)
		}
		g.mu.Unlock()
	}
	return n, err
}

func (g *gate) write(p []byte) (int, error) {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	return g.Conn.Write(p)
}

// advertiseHandshakeV0 rewrites an ApiVersions response (frame) to list
// SASLHandshake from version 0, as Kafka does: librdkafka takes a broker
// without it for one that cannot do SASL at all. It then speaks version 1,
// the only one the gate answers. A response that does not decode is left
// as it is.
func advertiseHandshakeV0(frame []byte, version int16) []byte {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(version)
	if err := resp.ReadFrom(frame[8:]); err != nil {
		return frame
	}
	for i := range resp.ApiKeys {
		if resp.ApiKeys[i].ApiKey == kmsg.SASLHandshake.Int16() {
			resp.ApiKeys[i].MinVersion = 0
		}
	}
	out := resp.AppendTo(append([]byte(nil), frame[:8]...))
	binary.BigEndian.PutUint32(out[:4], uint32(len(out)-4))
	return out
}
