package auth

import (
	"crypto/x509"
	"fmt"
	"strings"
)

// CertRule maps a client certificate to a principal: a certificate whose
// subject common name, or one of whose DNS, URI or e-mail names, equals
// Name is that principal, with Role and Organisation.
type CertRule struct {
	Name         string
	Role         Role
	Organisation string
}

// ParseCertRule reads NAME=ROLE or NAME=ROLE@ORGANISATION.
func ParseCertRule(s string) (CertRule, error) {
	i := strings.LastIndex(s, "=")
	if i <= 0 {
		return CertRule{}, fmt.Errorf("certificate principal %q: want NAME=ROLE[@ORGANISATION], NAME being the certificate's common name or a DNS, URI or e-mail name", s)
	}
	role, org, _ := strings.Cut(s[i+1:], "@")
	r, err := ParseRole(role)
	if err != nil {
		return CertRule{}, fmt.Errorf("certificate principal %q: %w", s, err)
	}
	return CertRule{Name: s[:i], Role: r, Organisation: org}, nil
}

// certificatePrincipal finds the first rule naming the leaf of a verified
// chain. The transport has already checked the chain against the client
// CA; this only decides who the holder is.
func certificatePrincipal(rules []CertRule, leaf *x509.Certificate) (Principal, bool) {
	names := []string{leaf.Subject.CommonName}
	names = append(names, leaf.DNSNames...)
	names = append(names, leaf.EmailAddresses...)
	for _, u := range leaf.URIs {
		names = append(names, u.String())
	}
	for _, r := range rules {
		for _, n := range names {
			if n != "" && n == r.Name {
				return Principal{Subject: "cert:" + r.Name, Name: leaf.Subject.CommonName, Method: MethodCertificate,
					Role: r.Role, Organisation: r.Organisation, Expires: leaf.NotAfter}, true
			}
		}
	}
	return Principal{}, false
}
