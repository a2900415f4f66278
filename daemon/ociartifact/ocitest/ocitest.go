// Package ocitest is the real parts OCI artifact tests run against: an
// in-process registry (go-containerregistry's, with the referrers API) on
// loopback, a self-made certificate authority standing in for Fulcio with
// the Sigstore trusted root that trusts it, and signing keys. Nothing in it
// is a fake: signatures are real sigstore-go bundles, certificates carry
// Fulcio's extensions, and pulls go over HTTP.
package ocitest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/secprofiles/spo/daemon/ociartifact"
)

// StartRegistry serves go-containerregistry's in-memory registry (with the
// OCI referrers API) on loopback; wrap, when set, sits in front of it to
// misbehave like a compromised registry.
func StartRegistry(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	host, _ := StartRegistryServer(t, wrap)
	return host
}

// StartRegistryServer is StartRegistry that also returns the server, for
// tests that take the registry down.
func StartRegistryServer(t testing.TB, wrap func(http.Handler) http.Handler) (string, *httptest.Server) {
	t.Helper()
	var h = registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host, srv
}

// CA stands in for Fulcio: a self-made root that certifies signing
// keys for an identity and OIDC issuer, with Fulcio's issuer extension.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// oidIssuerV2 is Fulcio's OIDC issuer extension (1.3.6.1.4.1.57264.1.8),
// a DER UTF8String.
var oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}

func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "spo test fulcio"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{cert: cert, key: key}
}

// trustedRoot is the Sigstore trusted root JSON with this CA as its only
// Fulcio; it has no transparency log, CT log or timestamp authority, so
// Policy checks certificates against the current time (see
// Policy.verifier).
func (ca *CA) TrustedRoot(t testing.TB) []byte {
	t.Helper()
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{&root.FulcioCertificateAuthority{
			Root: ca.cert, ValidityPeriodStart: ca.cert.NotBefore, ValidityPeriodEnd: ca.cert.NotAfter,
			URI: "https://fulcio.test",
		}}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TrustedRootWithLog is TrustedRoot plus a Rekor transparency log (its
// key made here), as the public-good root has: signatures must then carry
// an inclusion proof, which KeylessSigner's never do.
func (ca *CA) TrustedRootWithLog(t testing.TB) []byte {
	t.Helper()
	logKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(logKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	id := sha256.Sum256(der)
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{&root.FulcioCertificateAuthority{
			Root: ca.cert, ValidityPeriodStart: ca.cert.NotBefore, ValidityPeriodEnd: ca.cert.NotAfter,
			URI: "https://fulcio.test",
		}}, nil, nil,
		map[string]*root.TransparencyLog{hex.EncodeToString(id[:]): {
			BaseURL: "https://rekor.test", ID: id[:], ValidityPeriodStart: ca.cert.NotBefore,
			HashFunc: crypto.SHA256, PublicKey: logKey.Public(), SignatureHashFunc: crypto.SHA256,
		}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue returns a short-lived code-signing certificate (DER) for pub,
// issued to identity (an email, or a URI such as a CI workflow) by OIDC
// issuer, as Fulcio issues them.
func (ca *CA) Issue(pub crypto.PublicKey, identity, issuer string) ([]byte, error) {
	iss, err := asn1.MarshalWithParams(issuer, "utf8")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(time.Now().UnixNano()),
		NotBefore:       time.Now().Add(-time.Minute),
		NotAfter:        time.Now().Add(10 * time.Minute),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{{Id: oidIssuerV2, Value: iss}},
	}
	if u, err := url.Parse(identity); err == nil && u.Scheme != "" {
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{identity}
	}
	return x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
}

// certifier is a sign.CertificateProvider that asks ca directly.
type certifier struct {
	ca               *CA
	identity, issuer string
}

func (c *certifier) GetCertificate(_ context.Context, kp sign.Keypair, _ *sign.CertificateProviderOptions) ([]byte, error) {
	return c.ca.Issue(kp.GetPublicKey(), c.identity, c.issuer)
}

// IDToken is an OIDC identity token for identity from issuer, in the shape
// Fulcio and sigstore-go read (claims iss, sub, email). Its signature is
// not one: the Fulcio of StartFulcio trusts it as it is.
func IDToken(identity, issuer string) string {
	claims, _ := json.Marshal(map[string]any{"iss": issuer, "sub": identity, "aud": "sigstore"})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc([]byte("unsigned"))
}

// StartFulcio serves Fulcio's POST /api/v2/signingCert on loopback with ca:
// the certificate is for the bearer token's sub and iss claims, after the
// proof of possession (the subject signed with the key) is checked, as
// Fulcio does. It returns the base URL.
func StartFulcio(t testing.TB, ca *CA) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
			http.NotFound(w, r)
			return
		}
		cert, err := ca.signingCert(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		leaf := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}))
		root := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
		_ = json.NewEncoder(w).Encode(map[string]any{"signedCertificateEmbeddedSct": map[string]any{
			"chain": map[string]any{"certificates": []string{leaf, root}}}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (ca *CA) signingCert(r *http.Request) ([]byte, error) {
	parts := strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), ".")
	if len(parts) != 3 {
		return nil, errors.New("no bearer token")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims struct{ Iss, Sub string }
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	var req struct {
		PublicKeyRequest struct {
			PublicKey         struct{ Content string }
			ProofOfPossession string
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, err
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		return nil, err
	}
	proof, err := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	if err != nil {
		return nil, err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	sum := sha256.Sum256([]byte(claims.Sub))
	if !ok || !ecdsa.VerifyASN1(ec, sum[:], proof) {
		return nil, errors.New("proof of possession does not verify")
	}
	return ca.Issue(pub, claims.Sub, claims.Iss)
}

// KeylessSigner signs as identity/issuer with a certificate from ca.
func KeylessSigner(t testing.TB, ca *CA, identity, issuer string) *ociartifact.Signer {
	t.Helper()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &ociartifact.Signer{Keypair: kp, Options: sign.BundleOptions{
		CertificateProvider: &certifier{ca: ca, identity: identity, issuer: issuer},
	}}
}

// NewKey returns a P-256 private key (PKCS#8 PEM) and its public key (PEM).
func NewKey(t testing.TB) (private, public []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
}

// NewCosignKey returns a P-256 private key encrypted with password the way
// `cosign generate-key-pair` writes cosign.key, and its public key (PEM).
func NewCosignKey(t testing.TB, password string) (private, public []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// The cheapest scrypt parameters: the format is the same, the test fast.
	sealed, err := encrypted.EncryptWithCustomKDFParameters(der, []byte(password), encrypted.Legacy)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: sealed}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
}
