package certs

import (
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"time"
)

// caGrace is how long a replaced CA stays in the caBundle, counted from the
// new CA's start. Its key is gone, so it can sign nothing new; it only
// keeps replicas that have not yet loaded the new serving certificate
// reachable.
const caGrace = 24 * time.Hour

// names are what the serving certificate must be valid for.
type names struct {
	dns []string
	ips []net.IP
}

// plan is what to (re)issue, and why.
type plan struct {
	newCA, newServing, dropPrevious bool
	reason                          string
}

func (p plan) any() bool { return p.newCA || p.newServing || p.dropPrevious }

// rotateAll is the plan of a rotation on demand.
var rotateAll = plan{newCA: true, newServing: true, reason: "rotation requested"}

// planFor decides what the Secret's bundle b (nil when unreadable because
// of parseErr) needs at now.
func planFor(now time.Time, b *Bundle, parseErr error, want names) plan {
	if b == nil {
		return plan{newCA: true, newServing: true, reason: fmt.Sprintf("no usable certificates: %v", parseErr)}
	}
	if reason := caProblem(now, b.CA); reason != "" {
		return plan{newCA: true, newServing: true, reason: reason}
	}
	p := plan{dropPrevious: slices.ContainsFunc(b.Previous, func(c *x509.Certificate) bool { return !stillTrusted(now, b.CA, c) })}
	if reason := servingProblem(now, b, want); reason != "" {
		p.newServing, p.reason = true, reason
	} else if p.dropPrevious {
		p.reason = "the grace period of a replaced CA is over"
	}
	return p
}

func caProblem(now time.Time, ca *x509.Certificate) string {
	switch {
	case !ca.IsCA:
		return "the CA certificate is not a CA"
	case now.Before(ca.NotBefore):
		return "the CA is not valid yet"
	case dueForRotation(now, ca):
		return fmt.Sprintf("the CA expires at %s", ca.NotAfter.UTC().Format(time.RFC3339))
	}
	return ""
}

func servingProblem(now time.Time, b *Bundle, want names) string {
	switch {
	case b.Cert.CheckSignatureFrom(b.CA) != nil:
		return "the serving certificate is not signed by the CA"
	case !sameNames(b.Cert, want):
		return "the serving certificate is for other names"
	case now.Before(b.Cert.NotBefore):
		return "the serving certificate is not valid yet"
	case dueForRotation(now, b.Cert):
		return fmt.Sprintf("the serving certificate expires at %s", b.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return ""
}

// rotateAt is when a certificate has a third of its lifetime left: late
// enough not to churn, early enough that a failed rotation is retried for
// weeks before anything expires.
func rotateAt(c *x509.Certificate) time.Time {
	return c.NotAfter.Add(-c.NotAfter.Sub(c.NotBefore) / 3)
}

func dueForRotation(now time.Time, c *x509.Certificate) bool {
	return !now.Before(rotateAt(c))
}

// stillTrusted says whether a previous CA stays in the bundle of the
// current one.
func stillTrusted(now time.Time, current, previous *x509.Certificate) bool {
	return now.Before(current.NotBefore.Add(caGrace)) && now.Before(previous.NotAfter)
}

func sameNames(c *x509.Certificate, want names) bool {
	return equalSets(c.DNSNames, want.dns, func(a, b string) bool { return a == b }) &&
		equalSets(c.IPAddresses, want.ips, net.IP.Equal)
}

func equalSets[T any](a, b []T, eq func(T, T) bool) bool {
	contains := func(s []T, x T) bool { return slices.ContainsFunc(s, func(y T) bool { return eq(x, y) }) }
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !contains(a, x) {
			return false
		}
	}
	return true
}

// nextCheck is how long until b next needs looking at: its next rotation,
// the end of a grace period, or the check interval, whichever is first.
func nextCheck(now time.Time, b *Bundle, interval time.Duration) time.Duration {
	next := now.Add(interval)
	candidates := []time.Time{rotateAt(b.CA), rotateAt(b.Cert)}
	if len(b.Previous) > 0 {
		candidates = append(candidates, b.CA.NotBefore.Add(caGrace))
	}
	for _, t := range candidates {
		if t.Before(next) {
			next = t
		}
	}
	// Never a busy loop, even if a clock jumps.
	return max(next.Sub(now), time.Second)
}

// issue carries out p on the current bundle (nil when there is none).
func issue(now time.Time, cur *Bundle, p plan, want names) (*Bundle, error) {
	next := &Bundle{}
	if cur != nil {
		*next = *cur
	}
	switch {
	case p.newCA:
		ca, key, err := newCA(now)
		if err != nil {
			return nil, err
		}
		next.Previous = trustedAfterRotation(now, cur)
		next.CA, next.CAKey = ca, key
	case p.dropPrevious:
		next.Previous = slices.DeleteFunc(slices.Clone(next.Previous), func(c *x509.Certificate) bool {
			return !stillTrusted(now, next.CA, c)
		})
	}
	if p.newServing {
		cert, key, err := newServing(now, next.CA, next.CAKey, want.dns, want.ips)
		if err != nil {
			return nil, err
		}
		next.Cert, next.Key = cert, key
	}
	return next, nil
}

// trustedAfterRotation are the CAs to keep trusting when cur's CA is
// replaced: it and its own previous CAs, unless expired.
func trustedAfterRotation(now time.Time, cur *Bundle) []*x509.Certificate {
	if cur == nil {
		return nil
	}
	var out []*x509.Certificate
	for _, c := range append([]*x509.Certificate{cur.CA}, cur.Previous...) {
		if c.IsCA && now.Before(c.NotAfter) {
			out = append(out, c)
		}
	}
	return out
}
