package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// SCRAMServer runs the server side of one SCRAM conversation (RFC 5802,
// RFC 7677) against a user's stored verifier: client-first, server-first,
// client-final, server-final. Channel binding and extensions are refused.
type SCRAMServer struct {
	users     *Users
	mechanism string
	h         func() hash.Hash

	step      int
	name      string
	user      User
	known     bool
	cred      Credential
	gs2Header string
	nonce     string
	authMsg   string
}

// NewSCRAMServer starts a conversation for mechanism (SCRAM-SHA-256 or
// SCRAM-SHA-512) against users.
func NewSCRAMServer(users *Users, mechanism string) (*SCRAMServer, error) {
	h, ok := scramHash(mechanism)
	if !ok {
		return nil, fmt.Errorf("SASL mechanism %q is not SCRAM-SHA-256 or SCRAM-SHA-512", mechanism)
	}
	return &SCRAMServer{users: users, mechanism: mechanism, h: h}, nil
}

// Name is the user name the client claimed, once its first message was
// read; for logs and the audit of failures.
func (s *SCRAMServer) Name() string { return s.name }

var errSCRAM = errors.New("malformed SCRAM message")

// Step takes the client's next message and returns the server's answer;
// done is true with the server-final message, once the client proved it
// holds the password. An error ends the conversation: for a wrong password
// or an unknown user it wraps ErrInvalidCredentials.
func (s *SCRAMServer) Step(msg []byte) (answer []byte, done bool, err error) {
	s.step++
	switch s.step {
	case 1:
		return s.first(string(msg))
	case 2:
		return s.final(string(msg))
	}
	return nil, false, fmt.Errorf("%w: the conversation is over", errSCRAM)
}

// first reads "gs2-header client-first-message-bare" and answers
// "r=nonce,s=salt,i=iterations".
func (s *SCRAMServer) first(msg string) ([]byte, bool, error) {
	// gs2-header: "n,," or "y,," (client supports channel binding, server
	// does not), optionally "n,a=authzid,"; "p=" asks for binding.
	cbind, rest, ok := strings.Cut(msg, ",")
	if !ok || (cbind != "n" && cbind != "y") {
		return nil, false, fmt.Errorf("%w: channel binding is not supported", errSCRAM)
	}
	authz, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, false, errSCRAM
	}
	s.gs2Header = cbind + "," + authz + ","
	fields := strings.Split(bare, ",")
	if len(fields) != 2 || !strings.HasPrefix(fields[0], "n=") || !strings.HasPrefix(fields[1], "r=") || len(fields[1]) < 3 {
		// m= (mandatory extensions) and further attributes, such as
		// Kafka's tokenauth, land here too.
		return nil, false, fmt.Errorf("%w: want n=NAME,r=NONCE and no extensions", errSCRAM)
	}
	name, err := saslName(fields[0][2:])
	if err != nil {
		return nil, false, err
	}
	if authz != "" {
		z, err := saslName(strings.TrimPrefix(authz, "a="))
		if err != nil || !strings.HasPrefix(authz, "a=") || z != name {
			return nil, false, fmt.Errorf("%w: the authorization identity must be empty or the user name", errSCRAM)
		}
	}
	s.name = name
	s.cred, s.user, s.known = s.users.Credential(name, s.mechanism)
	if !s.known {
		// An unknown user gets a salt that looks like any other and fails
		// at the proof, so the exchange does not tell who exists.
		s.cred = Credential{Salt: hmacSum(s.h, s.users.dummy.StoredKey, name)[:16], Iterations: DefaultSCRAMIterations}
	}
	var serverNonce [18]byte
	if _, err := rand.Read(serverNonce[:]); err != nil {
		return nil, false, err
	}
	s.nonce = fields[1][2:] + base64.RawURLEncoding.EncodeToString(serverNonce[:])
	serverFirst := fmt.Sprintf("r=%s,s=%s,i=%d", s.nonce, base64.StdEncoding.EncodeToString(s.cred.Salt), s.cred.Iterations)
	s.authMsg = bare + "," + serverFirst
	return []byte(serverFirst), false, nil
}

// final reads "c=binding,r=nonce,p=proof" and answers "v=signature".
func (s *SCRAMServer) final(msg string) ([]byte, bool, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, false, fmt.Errorf("%w: no proof", errSCRAM)
	}
	withoutProof, proofText := msg[:i], msg[i+3:]
	fields := strings.Split(withoutProof, ",")
	if len(fields) != 2 || fields[0] != "c="+base64.StdEncoding.EncodeToString([]byte(s.gs2Header)) {
		return nil, false, fmt.Errorf("%w: the channel binding does not repeat the client's header", errSCRAM)
	}
	// librdkafka sends its own nonce again in front of the agreed one;
	// Kafka accepts a nonce that ends with the agreed one, and so does
	// this. The agreed nonce, fresh from the server, is still in the signed
	// message, so the proof cannot be replayed.
	if !strings.HasPrefix(fields[1], "r=") || !strings.HasSuffix(fields[1], s.nonce) {
		return nil, false, fmt.Errorf("%w: the nonce does not end with the one this conversation agreed", errSCRAM)
	}
	proof, err := base64.StdEncoding.DecodeString(proofText)
	if err != nil || len(proof) != s.h().Size() {
		return nil, false, fmt.Errorf("%w: the proof is not %d bytes of base64", errSCRAM, s.h().Size())
	}
	authMsg := s.authMsg + "," + withoutProof
	clientKey := hmacSum(s.h, s.cred.StoredKey, authMsg)
	for j := range clientKey {
		clientKey[j] ^= proof[j]
	}
	stored := s.h()
	stored.Write(clientKey)
	if subtle.ConstantTimeCompare(stored.Sum(nil), s.cred.StoredKey) != 1 || !s.known {
		return nil, false, fmt.Errorf("%w: unknown user or wrong password for %q", ErrInvalidCredentials, s.name)
	}
	return []byte("v=" + base64.StdEncoding.EncodeToString(hmacSum(s.h, s.cred.ServerKey, authMsg))), true, nil
}

// Principal is the authenticated user's, once Step returned done.
func (s *SCRAMServer) Principal() Principal { return s.user.Principal() }

// saslName decodes a SCRAM saslname: "=2C" is a comma, "=3D" an equals
// sign, and no other "=" may appear.
func saslName(v string) (string, error) {
	if v == "" || strings.ContainsRune(v, 0) {
		return "", fmt.Errorf("%w: empty or NUL in the user name", errSCRAM)
	}
	if !strings.Contains(v, "=") {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '=' {
			b.WriteByte(v[i])
			continue
		}
		switch {
		case strings.HasPrefix(v[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(v[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", fmt.Errorf("%w: a bare '=' in the user name", errSCRAM)
		}
		i += 2
	}
	return b.String(), nil
}

// ParsePlain splits a SASL PLAIN message (RFC 4616):
// authzid NUL authcid NUL password; the authorization identity must be
// empty or the user name.
func ParsePlain(msg []byte) (name, password string, err error) {
	parts := bytes.SplitN(msg, []byte{0}, 3)
	if len(parts) != 3 || len(parts[1]) == 0 {
		return "", "", errors.New("malformed PLAIN message: want authzid NUL name NUL password")
	}
	if len(parts[0]) > 0 && !hmac.Equal(parts[0], parts[1]) {
		return "", "", errors.New("PLAIN: the authorization identity must be empty or the user name")
	}
	return string(parts[1]), string(parts[2]), nil
}
