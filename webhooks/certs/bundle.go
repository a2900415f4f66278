package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Keys of the Secret webhooks.SecretName. cert-manager writes the same
// three certificate keys; only the built-in mode writes ca.key.
const (
	KeyCACert = "ca.crt"
	KeyCAKey  = "ca.key"
	KeyCert   = corev1.TLSCertKey
	KeyKey    = corev1.TLSPrivateKeyKey
)

// Bundle is what the built-in mode keeps in the Secret.
type Bundle struct {
	// CA signs the serving certificate; CAKey is its private key.
	CA    *x509.Certificate
	CAKey crypto.Signer
	// Previous are CAs replaced by a rotation and still trusted for a
	// grace period, so that a replica still presenting a certificate one
	// of them signed stays reachable. Stored after CA in ca.crt; their
	// keys are not kept.
	Previous []*x509.Certificate
	// Cert and Key serve TLS.
	Cert *x509.Certificate
	Key  crypto.Signer
}

// ParseBundle reads a Bundle from a Secret's data. Any missing, unreadable
// or mismatched part is an error: the caller then issues anew.
func ParseBundle(data map[string][]byte) (*Bundle, error) {
	cas, err := parseCerts(data[KeyCACert])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyCACert, err)
	}
	caKey, err := parseKey(data[KeyCAKey])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyCAKey, err)
	}
	chain, err := parseCerts(data[KeyCert])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyCert, err)
	}
	key, err := parseKey(data[KeyKey])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyKey, err)
	}
	b := &Bundle{CA: cas[0], CAKey: caKey, Previous: cas[1:], Cert: chain[0], Key: key}
	if err := matches(b.CA, b.CAKey); err != nil {
		return nil, fmt.Errorf("%s and %s: %w", KeyCACert, KeyCAKey, err)
	}
	if err := matches(b.Cert, b.Key); err != nil {
		return nil, fmt.Errorf("%s and %s: %w", KeyCert, KeyKey, err)
	}
	return b, nil
}

// Data is the Secret data holding b.
func (b *Bundle) Data() (map[string][]byte, error) {
	caKey, err := encodeKey(b.CAKey)
	if err != nil {
		return nil, fmt.Errorf("encoding the CA key: %w", err)
	}
	key, err := encodeKey(b.Key)
	if err != nil {
		return nil, fmt.Errorf("encoding the serving key: %w", err)
	}
	return map[string][]byte{
		KeyCACert: b.CABundle(),
		KeyCAKey:  caKey,
		KeyCert:   encodeCerts(b.Cert),
		KeyKey:    key,
	}, nil
}

// CABundle is what clients trust: the CA, then the previous CAs.
func (b *Bundle) CABundle() []byte {
	return encodeCerts(append([]*x509.Certificate{b.CA}, b.Previous...)...)
}

// parseCerts reads one or more PEM certificates and nothing else.
func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := bytes.TrimSpace(data); len(rest) > 0; rest = bytes.TrimSpace(rest) {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, errors.New("not a sequence of PEM certificates")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("missing")
	}
	return certs, nil
}

// parseKey reads exactly one PEM private key, in any of the encodings
// cert-manager or openssl write.
func parseKey(data []byte) (crypto.Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("missing or not PEM")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("more than one PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%T cannot sign", key)
	}
	return signer, nil
}

// matches checks that key is the private half of cert's public key.
func matches(cert *x509.Certificate, key crypto.Signer) error {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("the key does not belong to the certificate")
	}
	return nil
}

func encodeCerts(certs ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.Bytes()
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
