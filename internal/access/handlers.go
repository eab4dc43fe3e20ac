package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/policy"
)

// Me is what GET /auth/me answers: who the caller is and what the policy
// lets it do, so a user interface shows only what will work.
type Me struct {
	auth.Principal
	Actions []policy.Action `json:"actions"`
}

// ProviderInfo is what GET /auth/config answers: where a browser signs in.
type ProviderInfo struct {
	// Issuer is the OpenID provider's issuer URL, empty when none is
	// configured; its discovery document says the rest.
	Issuer string `json:"issuer,omitempty"`
	// ClientID is the public client to use for authorization code + PKCE.
	ClientID string `json:"client_id,omitempty"`
	// Audience is what tokens must carry in aud.
	Audience string `json:"audience,omitempty"`
	// Anonymous is the role of callers without credentials ("none": they
	// are refused).
	Anonymous auth.Role `json:"anonymous"`
	// Sources are the accepted identity sources.
	Sources []string `json:"sources"`
}

// MeOf returns p's view of itself.
func MeOf(p auth.Principal) Me {
	return Me{Principal: p, Actions: policy.Actions(p.Role)}
}

// Provider describes the identity configuration.
func (g *Guard) Provider() ProviderInfo {
	a := g.cfg.Auth
	info := ProviderInfo{ClientID: g.cfg.ClientID, Anonymous: a.AnonymousRole(), Sources: a.Sources()}
	if info.Sources == nil {
		info.Sources = []string{}
	}
	if o := a.OIDC(); o != nil {
		info.Issuer, info.Audience = o.Issuer(), o.Audience()
	}
	return info
}

// Mux is where the guard's own routes register.
type routes interface {
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// RegisterHTTP serves, relative to the API root: GET /auth/config,
// GET /auth/me, POST /auth/ticket, and the admins' GET and POST /auth/keys
// and DELETE /auth/keys/{id}.
func (g *Guard) RegisterHTTP(mux routes) {
	mux.HandleFunc("GET /auth/config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, g.Provider())
	})
	mux.HandleFunc("GET /auth/me", func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		writeJSON(w, http.StatusOK, MeOf(p))
	})
	mux.HandleFunc("POST /auth/ticket", g.ticket)
	mux.HandleFunc("GET /auth/keys", g.listKeys)
	mux.HandleFunc("POST /auth/keys", g.createKey)
	mux.HandleFunc("DELETE /auth/keys/{id}", g.revokeKey)
}

func (g *Guard) ticket(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	t := g.cfg.Auth.Tickets()
	switch {
	case t == nil:
		writeError(w, http.StatusNotFound, "stream tickets are not enabled here")
		return
	case p.Method == auth.MethodAnonymous:
		writeError(w, http.StatusBadRequest, "anonymous callers subscribe without a ticket")
		return
	case p.Method == auth.MethodTicket:
		writeError(w, http.StatusBadRequest, "a ticket cannot buy another ticket")
		return
	}
	id, exp, err := t.Issue(p, time.Now())
	if err != nil {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": id, "expires": exp.UTC()})
}

// KeyView is an API key as the admin endpoints show it.
type KeyView struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Role         auth.Role `json:"role"`
	Organisation string    `json:"organisation,omitempty"`
	Created      time.Time `json:"created"`
	Expires      time.Time `json:"expires"`
	CreatedBy    string    `json:"created_by,omitempty"`
}

// KeyViewOf is k as the admin endpoints show it.
func KeyViewOf(k auth.APIKey) KeyView {
	return KeyView{ID: k.ID, Name: k.Name, Role: k.Role, Organisation: k.Organisation, Created: k.Created, Expires: k.Expires, CreatedBy: k.CreatedBy}
}

func (g *Guard) keys(w http.ResponseWriter) *auth.KeyStore {
	ks := g.cfg.Auth.Keys()
	if ks == nil {
		writeError(w, http.StatusNotFound, "API keys are not enabled here: start with --api-keys FILE")
	}
	return ks
}

func (g *Guard) listKeys(w http.ResponseWriter, r *http.Request) {
	ks := g.keys(w)
	if ks == nil {
		return
	}
	out := []KeyView{}
	for _, k := range ks.List() {
		out = append(out, KeyViewOf(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

// CreateKeyRequest is POST /auth/keys' body.
type CreateKeyRequest struct {
	Name         string    `json:"name"`
	Role         auth.Role `json:"role"`
	Organisation string    `json:"organisation,omitempty"`
	// ExpiresIn is a Go duration ("720h"); empty means 90 days.
	ExpiresIn string `json:"expires_in,omitempty"`
}

// CreateKey checks req and makes the key for p.
func (g *Guard) CreateKey(p auth.Principal, req CreateKeyRequest) (auth.APIKey, string, error) {
	ks := g.cfg.Auth.Keys()
	if ks == nil {
		return auth.APIKey{}, "", errors.New("API keys are not enabled here: start with --api-keys FILE")
	}
	var life time.Duration
	if req.ExpiresIn != "" {
		var err error
		if life, err = time.ParseDuration(req.ExpiresIn); err != nil || life <= 0 {
			return auth.APIKey{}, "", fmt.Errorf("expires_in %q: give a positive duration such as 720h", req.ExpiresIn)
		}
	}
	if req.Organisation != "" && g.cfg.Tenants != nil {
		if _, ok := g.cfg.Tenants.Organisation(req.Organisation); !ok {
			return auth.APIKey{}, "", fmt.Errorf("organisation %q is not in the tenants file", req.Organisation)
		}
	}
	return ks.Create(auth.NewKey{Name: req.Name, Role: req.Role, Organisation: req.Organisation, Lifetime: life, CreatedBy: p.String()}, time.Now())
}

func (g *Guard) createKey(w http.ResponseWriter, r *http.Request) {
	if g.keys(w) == nil {
		return
	}
	var req CreateKeyRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `body must be JSON {"name": "...", "role": "viewer|submitter|operator|admin", "organisation"?: "...", "expires_in"?: "720h"}: `+err.Error())
		return
	}
	p, _ := auth.FromContext(r.Context())
	k, secret, err := g.CreateKey(p, req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		KeyView
		Key string `json:"key"`
	}{KeyViewOf(k), secret})
}

func (g *Guard) revokeKey(w http.ResponseWriter, r *http.Request) {
	ks := g.keys(w)
	if ks == nil {
		return
	}
	k, err := ks.Revoke(r.PathValue("id"))
	switch {
	case errors.Is(err, auth.ErrKeyNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, KeyViewOf(k))
	}
}
