package ociartifact

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	intotov1 "github.com/in-toto/attestation/go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"google.golang.org/protobuf/encoding/protojson"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

// The signature layout cosign 3 writes (and SPO reads): a referrer manifest
// whose single layer is the bundle.
const (
	BundleMediaType         = "application/vnd.dev.sigstore.bundle.v0.3+json"
	CosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	annotationContent       = "dev.sigstore.bundle.content"
	annotationPredicateType = "dev.sigstore.bundle.predicateType"
	contentDSSE             = "dsse-envelope"
	inTotoPayloadType       = "application/vnd.in-toto+json"
)

// Signer makes signature bundles with sigstore-go.
type Signer struct {
	// Keypair signs; for keyless signing it is an ephemeral key that
	// Options.CertificateProvider (Fulcio) certifies.
	Keypair sign.Keypair
	// Options are sigstore-go's: certificate provider, transparency logs,
	// timestamp authorities. Empty for key-based signing.
	Options sign.BundleOptions
}

// NewKeySigner signs with an ECDSA P-256 private key in PEM: unencrypted
// (PKCS#8 or SEC 1, as `openssl genpkey -algorithm EC -pkeyopt
// ec_paramgen_curve:P-256` makes), or encrypted the way `cosign
// generate-key-pair` writes it (scrypt and secretbox; PEM type ENCRYPTED
// SIGSTORE PRIVATE KEY, or COSIGN for older cosign), with password.
// Verify with the matching public key.
func NewKeySigner(keyPEM, password []byte) (*Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no PEM block in the signing key")
	}
	var key any
	var err error
	switch block.Type {
	case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY":
		var der []byte
		if der, err = encrypted.Decrypt(block.Bytes, password); err != nil {
			return nil, fmt.Errorf("decrypting the signing key (wrong password?): %w", err)
		}
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("PKCS#8-encrypted keys are not supported; give a cosign key or an unencrypted EC key")
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing the signing key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("the signing key is a %T, want an ECDSA P-256 key", key)
	}
	return &Signer{Keypair: &keyPair{key: ec}}, nil
}

// NewKeylessSigner signs with an ephemeral key that the Fulcio at
// fulcioURL certifies for the identity in idToken (an OIDC identity token,
// as cosign's SIGSTORE_ID_TOKEN), and, with rekorURL, logs the signature in
// that Rekor. Without a transparency log the signature verifies only
// against a trusted root that lists none (a private deployment); Sigstore's
// public-good root requires one.
func NewKeylessSigner(fulcioURL, idToken, rekorURL string) (*Signer, error) {
	if fulcioURL == "" || idToken == "" {
		return nil, errors.New("keyless signing needs a Fulcio URL and an OIDC identity token")
	}
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		return nil, err
	}
	opts := sign.BundleOptions{
		CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: fulcioURL, Retries: 1}),
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: idToken},
	}
	if rekorURL != "" {
		opts.TransparencyLogs = []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: rekorURL, Retries: 1})}
	}
	return &Signer{Keypair: kp, Options: opts}, nil
}

// Sign attaches a signature of subject (a manifest in repo) to it as a
// referrer.
func (s *Signer) Sign(ctx context.Context, repo *remote.Repository, subject ocispec.Descriptor) error {
	statement, err := protojson.Marshal(&intotov1.Statement{
		Type: intotov1.StatementTypeUri,
		Subject: []*intotov1.ResourceDescriptor{{
			Digest: map[string]string{subject.Digest.Algorithm().String(): subject.Digest.Encoded()},
		}},
		PredicateType: CosignSignPredicateType,
	})
	if err != nil {
		return err
	}
	opts := s.Options
	opts.Context = ctx
	bundle, err := sign.Bundle(&sign.DSSEData{Data: statement, PayloadType: inTotoPayloadType}, s.Keypair, opts)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	bundleJSON, err := protojson.Marshal(bundle)
	if err != nil {
		return err
	}
	layer := content.NewDescriptorFromBytes(BundleMediaType, bundleJSON)
	if err := repo.Push(ctx, layer, bytes.NewReader(bundleJSON)); err != nil {
		return fmt.Errorf("pushing the signature bundle: %w", err)
	}
	_, err = oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, BundleMediaType, oras.PackManifestOptions{
		Subject: &subject,
		Layers:  []ocispec.Descriptor{layer},
		ManifestAnnotations: map[string]string{
			ocispec.AnnotationCreated: createdEpoch,
			annotationContent:         contentDSSE,
			annotationPredicateType:   CosignSignPredicateType,
		},
	})
	if err != nil {
		return fmt.Errorf("pushing the signature manifest: %w", err)
	}
	return nil
}

// keyPair is sigstore-go's sign.Keypair over a key the user holds (its
// EphemeralKeypair only generates keys).
type keyPair struct{ key *ecdsa.PrivateKey }

func (k *keyPair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}

func (k *keyPair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

// GetHint is the key's fingerprint, as sigstore-go computes it for its own
// keys; verification here does not depend on it (the policy names the key).
func (k *keyPair) GetHint() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.key.Public())
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(der)
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

func (k *keyPair) GetKeyAlgorithm() string          { return "ECDSA" }
func (k *keyPair) GetPublicKey() crypto.PublicKey   { return k.key.Public() }
func (k *keyPair) GetPublicKeyPem() (string, error) { return publicKeyPEM(k.key.Public()) }

func (k *keyPair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	sum := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, sum[:])
	return sig, sum[:], err
}

func publicKeyPEM(pub crypto.PublicKey) (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	return string(b), err
}
