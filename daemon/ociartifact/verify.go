package ociartifact

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

// maxSignatures bounds how many referrers are tried, and maxBundleSize
// each bundle, so a registry cannot make verification unbounded.
const (
	maxSignatures = 16
	maxBundleSize = 1 << 20
)

// Policy is what a signature must satisfy. Its fields mirror the SPOD's
// spec.security settings.
type Policy struct {
	// Disabled accepts any artifact, signed or not
	// (security.disableOciArtifactSignatureVerification).
	Disabled bool
	// PublicKeyPEM, when set, makes verification key-based: a signature by
	// this key is accepted, and the identity regexps do not apply.
	PublicKeyPEM []byte
	// TrustedRootJSON is a Sigstore trusted root (the JSON `cosign
	// trusted-root create` or Sigstore's TUF repository gives): its Fulcio
	// CAs issue the keyless certificates; its transparency logs, CT logs and
	// timestamp authorities, when it has them, are required too.
	TrustedRootJSON []byte
	// IdentityRegexp and IssuerRegexp must match the keyless certificate's
	// subject alternative name and OIDC issuer; empty matches any (SPO's
	// default ".*").
	IdentityRegexp string
	IssuerRegexp   string
	// Identity and Issuer, when set, must equal the certificate's SAN and
	// OIDC issuer, and take the place of the regexps.
	Identity string
	Issuer   string
}

// Key identifies the policy for caching verification results.
func (p *Policy) Key() string {
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Verify checks that subject (a manifest in repo) has a signature the
// policy accepts, and says how it was verified.
func (p *Policy) Verify(ctx context.Context, repo *remote.Repository, subject ocispec.Descriptor) (string, error) {
	if p == nil {
		return "", &Error{Reason: ReasonSignatureInvalid, Ref: subject.Digest.String(), Err: errors.New("no verification policy")}
	}
	if p.Disabled {
		return "disabled", nil
	}
	fail := func(err error) (string, error) {
		return "", &Error{Reason: ReasonSignatureInvalid, Ref: repo.Reference.Registry + "/" + repo.Reference.Repository + "@" + subject.Digest.String(), Err: err}
	}
	verifier, identity, err := p.verifier()
	if err != nil {
		return fail(err)
	}
	candidates, err := signatureReferrers(ctx, repo, subject)
	if err != nil {
		return "", &Error{Reason: ReasonPullFailed, Ref: subject.Digest.String(), Err: fmt.Errorf("listing signatures: %w", err)}
	}
	if len(candidates) == 0 {
		return fail(errors.New("the artifact is not signed (no Sigstore signature bundle refers to it); sign it (spoc push --sign-key, cosign sign), or turn verification off (the SPOD's spec.security.disableOciArtifactSignatureVerification, spoc pull --no-verify)"))
	}
	digest, err := hex.DecodeString(subject.Digest.Encoded())
	if err != nil {
		return fail(err)
	}
	artifact := verify.WithArtifactDigest(subject.Digest.Algorithm().String(), digest)
	var errs []error
	for _, c := range candidates {
		how, err := p.verifyOne(ctx, repo, c, verifier, identity, artifact)
		if err == nil {
			return how, nil
		}
		errs = append(errs, fmt.Errorf("signature %s: %w", c.Digest, err))
	}
	return fail(errors.Join(errs...))
}

// verifier builds sigstore-go's verifier for the policy. Key-based: the
// public key, no timestamps needed (a key has no validity period).
// Keyless: the trusted root, requiring a transparency log entry, SCTs and
// timestamps exactly when the root has logs and authorities to check them
// against; a private root with a Fulcio CA only checks the certificate
// against the current time.
func (p *Policy) verifier() (*verify.Verifier, *verify.CertificateIdentity, error) {
	if len(p.PublicKeyPEM) > 0 {
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(p.PublicKeyPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the public key: %w", err)
		}
		sv, err := signature.LoadVerifier(pub, crypto.SHA256)
		if err != nil {
			return nil, nil, fmt.Errorf("loading the public key: %w", err)
		}
		key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
		// Any hint: the policy names the one key it trusts.
		material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
		v, err := verify.NewVerifier(material, verify.WithNoObserverTimestamps())
		return v, nil, err
	}
	if len(p.TrustedRootJSON) == 0 {
		return nil, nil, errors.New("no public key and no Sigstore trusted root to verify signatures with (the SPOD's spec.security.signatureVerification publicKeySecretRef or trustedRootConfigMapRef; spoc pull --public-key or --trusted-root)")
	}
	tr, err := root.NewTrustedRootFromJSON(p.TrustedRootJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the trusted root: %w", err)
	}
	var opts []verify.VerifierOption
	switch {
	case len(tr.RekorLogs()) > 0:
		opts = append(opts, verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1))
	case len(tr.TimestampingAuthorities()) > 0:
		opts = append(opts, verify.WithSignedTimestamps(1))
	default:
		opts = append(opts, verify.WithCurrentTime())
	}
	if len(tr.CTLogs()) > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	v, err := verify.NewVerifier(tr, opts...)
	if err != nil {
		return nil, nil, err
	}
	san, err := verify.NewSANMatcher(p.Identity, p.identityRegexp())
	if err != nil {
		return nil, nil, fmt.Errorf("allowedIdentityRegexp: %w", err)
	}
	issuer, err := verify.NewIssuerMatcher(p.Issuer, p.issuerRegexp())
	if err != nil {
		return nil, nil, fmt.Errorf("allowedOidcIssuerRegexp: %w", err)
	}
	id, err := verify.NewCertificateIdentity(san, issuer, certificate.Extensions{})
	if err != nil {
		return nil, nil, err
	}
	return v, &id, nil
}

// identityRegexp and issuerRegexp are the regexps in force: none when an
// exact value is required (sigstore-go would require both to match).
func (p *Policy) identityRegexp() string {
	if p.Identity != "" {
		return ""
	}
	return orAll(p.IdentityRegexp)
}

func (p *Policy) issuerRegexp() string {
	if p.Issuer != "" {
		return ""
	}
	return orAll(p.IssuerRegexp)
}

func orAll(re string) string {
	if re == "" {
		return ".*"
	}
	return re
}

func (p *Policy) verifyOne(ctx context.Context, repo *remote.Repository, ref ocispec.Descriptor,
	v *verify.Verifier, identity *verify.CertificateIdentity, artifact verify.ArtifactPolicyOption) (string, error) {
	b, err := fetchBundle(ctx, repo, ref)
	if err != nil {
		return "", err
	}
	if err := checkPredicate(b); err != nil {
		return "", err
	}
	if identity == nil {
		if _, err := v.Verify(b, verify.NewPolicy(artifact, verify.WithKey())); err != nil {
			return "", fmt.Errorf("not signed by the configured public key: %w", err)
		}
		return "key", nil
	}
	res, err := v.Verify(b, verify.NewPolicy(artifact, verify.WithCertificateIdentity(*identity)))
	if err != nil {
		return "", p.explain(b, err)
	}
	return fmt.Sprintf("keyless: %s (%s)", res.Signature.Certificate.SubjectAlternativeName, res.Signature.Certificate.Issuer), nil
}

// explain names the regexp a certificate missed: sigstore-go's message says
// that no identity matched, not which of the SPOD's fields to look at.
func (p *Policy) explain(b *sgbundle.Bundle, err error) error {
	vc, vcErr := b.VerificationContent()
	if vcErr != nil || vc.Certificate() == nil {
		return err
	}
	summary, sErr := certificate.SummarizeCertificate(vc.Certificate())
	if sErr != nil {
		return err
	}
	san, issuer := summary.SubjectAlternativeName, summary.Extensions.Issuer
	switch {
	case p.Identity != "" && san != p.Identity:
		return fmt.Errorf("signed by identity %q, not allowedIdentity %q", san, p.Identity)
	case p.Identity == "" && !matches(p.identityRegexp(), san):
		return fmt.Errorf("signed by identity %q, which allowedIdentityRegexp %q does not match", san, p.identityRegexp())
	case p.Issuer != "" && issuer != p.Issuer:
		return fmt.Errorf("signed by %q with OIDC issuer %q, not allowedOidcIssuer %q", san, issuer, p.Issuer)
	case p.Issuer == "" && !matches(p.issuerRegexp(), issuer):
		return fmt.Errorf("signed by %q with OIDC issuer %q, which allowedOidcIssuerRegexp %q does not match", san, issuer, p.issuerRegexp())
	}
	return err
}

// signatureReferrers lists the cosign signature bundles referring to
// subject; attestations (other predicate types) are not signatures. It
// filters on the predicate annotation rather than asking the registry for
// artifactType BundleMediaType: some registries (go-containerregistry's,
// for one) report the config media type there instead of the manifest's
// artifactType, and the bundle is checked on its own anyway.
func signatureReferrers(ctx context.Context, repo *remote.Repository, subject ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	var out []ocispec.Descriptor
	err := repo.Referrers(ctx, subject, "", func(refs []ocispec.Descriptor) error {
		for _, r := range refs {
			if r.Annotations[annotationPredicateType] == CosignSignPredicateType && len(out) < maxSignatures {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

func fetchBundle(ctx context.Context, repo *remote.Repository, ref ocispec.Descriptor) (*sgbundle.Bundle, error) {
	if ref.Size > maxManifestSize {
		return nil, fmt.Errorf("signature manifest is %d bytes", ref.Size)
	}
	raw, err := content.FetchAll(ctx, repo, ref)
	if err != nil {
		return nil, fmt.Errorf("fetching: %w", err)
	}
	var m ocispec.Manifest
	if err := decodeManifest(raw, &m); err != nil {
		return nil, err
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != BundleMediaType || m.Layers[0].Size > maxBundleSize {
		return nil, errors.New("not a signature manifest with one Sigstore bundle layer")
	}
	raw, err = content.FetchAll(ctx, repo, m.Layers[0])
	if err != nil {
		return nil, fmt.Errorf("fetching the bundle: %w", err)
	}
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(raw, &pb); err != nil {
		return nil, fmt.Errorf("decoding the bundle: %w", err)
	}
	return sgbundle.NewBundle(&pb)
}

// checkPredicate refuses bundles that sign something other than cosign's
// "this digest is signed" statement (an SBOM attestation by the same
// identity is not a signature of the artifact).
func checkPredicate(b *sgbundle.Bundle) error {
	env, err := b.Envelope()
	if err != nil {
		return fmt.Errorf("bundle has no DSSE envelope: %w", err)
	}
	st, err := env.Statement()
	if err != nil {
		return fmt.Errorf("bundle has no in-toto statement: %w", err)
	}
	if st.GetPredicateType() != CosignSignPredicateType {
		return fmt.Errorf("bundle signs predicate %q, not %q", st.GetPredicateType(), CosignSignPredicateType)
	}
	return nil
}

func decodeManifest(raw []byte, m *ocispec.Manifest) error {
	if err := json.Unmarshal(raw, m); err != nil {
		return fmt.Errorf("decoding the manifest: %w", err)
	}
	if m.MediaType != ocispec.MediaTypeImageManifest {
		return fmt.Errorf("manifest media type %q, want %q", m.MediaType, ocispec.MediaTypeImageManifest)
	}
	return nil
}

// matches is what sigstore-go's matchers do with a regexp (an invalid one
// was refused before verification).
func matches(re, s string) bool {
	r, err := regexp.Compile(re)
	return err != nil || r.MatchString(s)
}
