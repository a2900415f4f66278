package certs

import (
	"net"
	"time"
)

// IssueAt issues a complete bundle as the Issuer would have at a past time,
// so integration tests can plant certificates that are due.
func IssueAt(at time.Time, namespace string, extraDNS []string, extraIPs []net.IP) (*Bundle, error) {
	return issue(at, nil, plan{newCA: true, newServing: true}, names{dns: DNSNames(namespace, extraDNS), ips: IPs(extraIPs)})
}
