package cluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"k8s.io/client-go/util/keyutil"
)

// identity is one certificate the cluster's components present or serve.
type identity struct {
	name     string // file name: <name>.crt, <name>.key
	cn       string
	orgs     []string
	server   bool
	dnsNames []string
	ips      []net.IP
}

// identities are every certificate the cluster needs, for a node at ip.
// The kubelet and admin identities follow the names the API server's Node
// and RBAC authorizers expect.
func identities(ip net.IP) []identity {
	return []identity{
		{name: "apiserver", cn: "kube-apiserver", server: true,
			dnsNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			ips:      []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(KubernetesServiceIP), ip}},
		{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}},
		{name: "admin", cn: "spo-cluster-admin", orgs: []string{"system:masters"}},
		{name: "controller-manager", cn: "system:kube-controller-manager"},
		{name: "scheduler", cn: "system:kube-scheduler"},
		{name: "kube-proxy", cn: "system:kube-proxy"},
		{name: "kubelet-client", cn: "system:node:" + NodeName, orgs: []string{"system:nodes"}},
		{name: "kubelet", cn: NodeName, server: true, dnsNames: []string{NodeName, "localhost"},
			ips: []net.IP{net.ParseIP("127.0.0.1"), ip}},
	}
}

// ensurePKI writes the CA, every identity and the service account key
// into pkiDir, unless they are there and the API server's certificate
// still names ip (a host that changed address needs new ones).
func ensurePKI(ip net.IP) error {
	if pkiFits(ip) {
		return nil
	}
	if err := os.RemoveAll(pkiDir); err != nil {
		return err
	}
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return err
	}
	caKey, err := newKey()
	if err != nil {
		return err
	}
	caTmpl := template("spo-cluster-ca")
	caTmpl.IsCA, caTmpl.BasicConstraintsValid = true, true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	ca, err := sign(caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	if err := writePair("ca", ca, caKey); err != nil {
		return err
	}
	for _, id := range identities(ip) {
		if err := issue(id, ca, caKey); err != nil {
			return fmt.Errorf("certificate %s: %w", id.name, err)
		}
	}
	saKey, err := newKey()
	if err != nil {
		return err
	}
	return writeKey("service-account", saKey)
}

func pkiFits(ip net.IP) bool {
	b, err := os.ReadFile(filepath.Join(pkiDir, "apiserver.crt"))
	if err != nil {
		return false
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return false
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil || time.Until(c.NotAfter) < 24*time.Hour {
		return false
	}
	if _, err := os.Stat(filepath.Join(pkiDir, "service-account.key")); err != nil {
		return false
	}
	return slices.ContainsFunc(c.IPAddresses, ip.Equal)
}

func issue(id identity, ca *x509.Certificate, caKey crypto.Signer) error {
	key, err := newKey()
	if err != nil {
		return err
	}
	t := template(id.cn)
	t.Subject.Organization = id.orgs
	t.KeyUsage = x509.KeyUsageDigitalSignature
	t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if id.server {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		t.DNSNames, t.IPAddresses = id.dnsNames, id.ips
	}
	c, err := sign(t, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	return writePair(id.name, c, key)
}

func template(cn string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
	}
}

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func sign(t, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, t, parent, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func writePair(name string, c *x509.Certificate, key *ecdsa.PrivateKey) error {
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	if err := os.WriteFile(filepath.Join(pkiDir, name+".crt"), crt, 0o644); err != nil {
		return err
	}
	return writeKey(name, key)
}

func writeKey(name string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: keyutil.ECPrivateKeyBlockType, Bytes: der})
	return os.WriteFile(filepath.Join(pkiDir, name+".key"), b, 0o600)
}

func pkiFile(name string) string { return filepath.Join(pkiDir, name) }
