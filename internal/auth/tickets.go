package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// Tickets are single-use, short-lived stand-ins for a credential, for
// clients that cannot set headers: a browser's WebSocket and EventSource.
// A ticket is obtained with a real credential over an authenticated POST
// and put in the stream's URL; whatever logs that URL logs something that
// is already spent or expires within TicketLifetime.
type Tickets struct {
	mu     sync.Mutex
	issued map[string]ticket
	max    int
}

type ticket struct {
	p       Principal
	expires time.Time
}

// TicketLifetime is how long a ticket may wait before it is used.
const TicketLifetime = 30 * time.Second

// NewTickets keeps at most max outstanding tickets (10,000 when 0).
func NewTickets(max int) *Tickets {
	if max <= 0 {
		max = 10_000
	}
	return &Tickets{issued: map[string]ticket{}, max: max}
}

// Issue returns a ticket standing for p until it is redeemed or expires.
func (t *Tickets) Issue(p Principal, now time.Time) (string, time.Time, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, err
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	exp := now.Add(TicketLifetime)
	if !p.Expires.IsZero() && p.Expires.Before(exp) {
		exp = p.Expires
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.issued) >= t.max {
		for k, v := range t.issued {
			if !now.Before(v.expires) {
				delete(t.issued, k)
			}
		}
		if len(t.issued) >= t.max {
			return "", time.Time{}, fmt.Errorf("%d stream tickets outstanding: use them or wait %s", len(t.issued), TicketLifetime)
		}
	}
	t.issued[id] = ticket{p: p, expires: exp}
	return id, exp, nil
}

// Redeem spends a ticket and returns whom it stands for.
func (t *Tickets) Redeem(id string, now time.Time) (Principal, error) {
	t.mu.Lock()
	tk, ok := t.issued[id]
	delete(t.issued, id)
	t.mu.Unlock()
	if !ok || !now.Before(tk.expires) {
		return Principal{}, fmt.Errorf("%w: unknown, used or expired stream ticket", ErrInvalidCredentials)
	}
	p := tk.p
	p.Method = MethodTicket
	return p, nil
}
