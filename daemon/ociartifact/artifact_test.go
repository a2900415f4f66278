package ociartifact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	. "github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

const (
	allowedIdentity = "https://github.com/example/profiles/.github/workflows/release.yaml@refs/heads/main"
	allowedIssuer   = "https://token.actions.githubusercontent.com"
	profileYAML     = "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: base\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n"
)

var local = Remote{PlainHTTP: true}

func mustRef(t *testing.T, s string) Ref {
	t.Helper()
	r, err := ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPullVerifies(t *testing.T) {
	ctx := context.Background()
	ca := ocitest.NewCA(t)
	trustedRoot := ca.TrustedRoot(t)
	otherCA := ocitest.NewCA(t)
	priv, pub := ocitest.NewKey(t)
	_, otherPub := ocitest.NewKey(t)
	keySigner, err := NewKeySigner(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	keyless := &Policy{TrustedRootJSON: trustedRoot,
		IdentityRegexp: `^https://github\.com/example/profiles/`, IssuerRegexp: `^https://token\.actions\.githubusercontent\.com$`}

	for name, tt := range map[string]struct {
		signer     func(t *testing.T) *Signer // nil: unsigned
		tamper     func(t *testing.T, host string, ref Ref)
		policy     *Policy
		wantReason string
		wantInErr  string
		wantHow    string
	}{
		"keyless, signed by the allowed identity: accepted": {
			signer:  func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity, allowedIssuer) },
			policy:  keyless,
			wantHow: "keyless: " + allowedIdentity,
		},
		"keyless, another identity: refused naming allowedIdentityRegexp": {
			signer: func(t *testing.T) *Signer {
				return ocitest.KeylessSigner(t, ca, "https://github.com/mallory/profiles/.github/workflows/x.yaml@refs/heads/main", allowedIssuer)
			},
			policy: keyless, wantReason: ReasonSignatureInvalid,
			wantInErr: `allowedIdentityRegexp "^https://github\\.com/example/profiles/" does not match`,
		},
		"keyless, another issuer: refused naming allowedOidcIssuerRegexp": {
			signer: func(t *testing.T) *Signer {
				return ocitest.KeylessSigner(t, ca, allowedIdentity, "https://accounts.example.com")
			},
			policy:     keyless,
			wantReason: ReasonSignatureInvalid, wantInErr: `allowedOidcIssuerRegexp`,
		},
		"keyless, certificate from a CA the trusted root does not hold: refused": {
			signer:     func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, otherCA, allowedIdentity, allowedIssuer) },
			policy:     keyless,
			wantReason: ReasonSignatureInvalid, wantInErr: "leaf certificate verification failed",
		},
		"keyless, trusted root with a transparency log, signature never logged: refused": {
			signer:     func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity, allowedIssuer) },
			policy:     &Policy{TrustedRootJSON: ca.TrustedRootWithLog(t), IdentityRegexp: keyless.IdentityRegexp},
			wantReason: ReasonSignatureInvalid, wantInErr: "transparency log",
		},
		"keyless, the exact allowed identity and issuer: accepted": {
			signer:  func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity, allowedIssuer) },
			policy:  &Policy{TrustedRootJSON: trustedRoot, Identity: allowedIdentity, Issuer: allowedIssuer, IdentityRegexp: "^never$"},
			wantHow: "keyless: " + allowedIdentity,
		},
		"keyless, not the exact allowed identity: refused naming allowedIdentity": {
			signer:     func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity+"x", allowedIssuer) },
			policy:     &Policy{TrustedRootJSON: trustedRoot, Identity: allowedIdentity},
			wantReason: ReasonSignatureInvalid, wantInErr: "not allowedIdentity",
		},
		"keyless, no trusted root configured: refused saying so": {
			signer:     func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity, allowedIssuer) },
			policy:     &Policy{},
			wantReason: ReasonSignatureInvalid, wantInErr: "trustedRootConfigMapRef",
		},
		"unsigned: refused": {
			policy:     keyless,
			wantReason: ReasonSignatureInvalid, wantInErr: "not signed",
		},
		"unsigned with verification disabled: accepted": {
			policy:  &Policy{Disabled: true},
			wantHow: "disabled",
		},
		"key-based, signed with the key: accepted": {
			signer:  func(*testing.T) *Signer { return keySigner },
			policy:  &Policy{PublicKeyPEM: pub},
			wantHow: "key",
		},
		"key-based, signed with another key: refused": {
			signer:     func(*testing.T) *Signer { return keySigner },
			policy:     &Policy{PublicKeyPEM: otherPub},
			wantReason: ReasonSignatureInvalid, wantInErr: "public key",
		},
		"key-based policy, keyless signature: refused": {
			signer:     func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity, allowedIssuer) },
			policy:     &Policy{PublicKeyPEM: pub},
			wantReason: ReasonSignatureInvalid, wantInErr: "expected key signature",
		},
		"tampered content under the tag, signature copied over: refused": {
			signer:     func(t *testing.T) *Signer { return ocitest.KeylessSigner(t, ca, allowedIdentity, allowedIssuer) },
			tamper:     retagWithCopiedSignature,
			policy:     keyless,
			wantReason: ReasonSignatureInvalid, wantInErr: "does not match any digest",
		},
	} {
		t.Run(name, func(t *testing.T) {
			host := ocitest.StartRegistry(t, nil)
			ref := mustRef(t, "oci://"+host+"/profiles/base:v1")
			var signer *Signer
			if tt.signer != nil {
				signer = tt.signer(t)
			}
			if _, err := Push(ctx, local, ref, []Profile{{Data: []byte(profileYAML)}}, signer); err != nil {
				t.Fatalf("Push: %v", err)
			}
			if tt.tamper != nil {
				tt.tamper(t, host, ref)
			}
			got, err := Pull(ctx, local, ref, nil, tt.policy)
			if tt.wantReason != "" {
				if err == nil {
					t.Fatalf("Pull accepted the artifact, want %s", tt.wantReason)
				}
				t.Logf("refused: %v", err)
				if r := ReasonOf(err); r != tt.wantReason {
					t.Errorf("reason %q, want %q (error: %v)", r, tt.wantReason, err)
				}
				if !strings.Contains(err.Error(), tt.wantInErr) {
					t.Errorf("error %q does not mention %q", err, tt.wantInErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if string(got.Data) != profileYAML {
				t.Errorf("pulled %q, want the pushed profile", got.Data)
			}
			if !strings.HasPrefix(got.Verification, tt.wantHow) {
				t.Errorf("verification %q, want %q", got.Verification, tt.wantHow)
			}
			if got.Ref.Digest == "" {
				t.Errorf("pulled reference %s is not pinned to a digest", got.Ref)
			}
		})
	}
}

// retagWithCopiedSignature is an attacker with push access but not the
// signing identity: other content under the same tag, with the genuine
// signature bundle attached to it as well.
func retagWithCopiedSignature(t *testing.T, host string, ref Ref) {
	t.Helper()
	ctx := context.Background()
	repo, err := remote.NewRepository(ref.Repo())
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	genuine, err := repo.Resolve(ctx, ref.Tag)
	if err != nil {
		t.Fatal(err)
	}
	var sigs []ocispec.Descriptor
	if err := repo.Referrers(ctx, genuine, "", func(r []ocispec.Descriptor) error {
		sigs = append(sigs, r...)
		return nil
	}); err != nil || len(sigs) != 1 {
		t.Fatalf("signatures of the genuine artifact: %v, %v", sigs, err)
	}
	raw, err := content.FetchAll(ctx, repo, sigs[0])
	if err != nil {
		t.Fatal(err)
	}
	var sigManifest ocispec.Manifest
	if err := json.Unmarshal(raw, &sigManifest); err != nil {
		t.Fatal(err)
	}
	evil, err := Push(ctx, local, ref, []Profile{{Data: []byte(strings.Replace(profileYAML, "SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", 1))}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, BundleMediaType, oras.PackManifestOptions{
		Subject: &evil, Layers: sigManifest.Layers, ManifestAnnotations: sigManifest.Annotations,
	}); err != nil {
		t.Fatal(err)
	}
}

// A registry that serves other bytes for a blob than the digest the signed
// manifest names is caught by the digest check, whatever the signature.
func TestPullRefusesTamperedLayer(t *testing.T) {
	ctx := context.Background()
	tamper := false
	host := ocitest.StartRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !tamper || r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/") {
				next.ServeHTTP(w, r)
				return
			}
			rec := &capture{header: http.Header{}}
			next.ServeHTTP(rec, r)
			body := bytes.Replace(rec.body.Bytes(), []byte("SCMP_ACT_ERRNO"), []byte("SCMP_ACT_ALLOW"), 1)
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write(body)
		})
	})
	priv, pub := ocitest.NewKey(t)
	signer, err := NewKeySigner(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := mustRef(t, "oci://"+host+"/profiles/base:v1")
	if _, err := Push(ctx, local, ref, []Profile{{Data: []byte(profileYAML)}}, signer); err != nil {
		t.Fatal(err)
	}
	tamper = true
	_, err = Pull(ctx, local, ref, nil, &Policy{PublicKeyPEM: pub})
	if err == nil || ReasonOf(err) != ReasonPullFailed || !strings.Contains(err.Error(), "profile layer") {
		t.Fatalf("Pull of a tampered layer: %v, want %s about the profile layer", err, ReasonPullFailed)
	}
}

type capture struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (c *capture) Header() http.Header         { return c.header }
func (c *capture) Write(b []byte) (int, error) { return c.body.Write(b) }
func (c *capture) WriteHeader(s int)           { c.status = s }

func TestPullFailures(t *testing.T) {
	ctx := context.Background()
	host := ocitest.StartRegistry(t, nil)
	down := ocitest.StartRegistry(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		})
	})
	for name, tt := range map[string]struct {
		ref       string
		wantInErr string
	}{
		"missing tag":          {"oci://" + host + "/profiles/base:nope", "nope"},
		"missing digest":       {"oci://" + host + "/profiles/base@sha256:" + strings.Repeat("a", 64), "sha256:aaaa"},
		"registry unavailable": {"oci://" + down + "/profiles/base:v1", "503"},
	} {
		t.Run(name, func(t *testing.T) {
			// Without retries: the 503 is final here (TestPullRetries has them).
			noRetry := Remote{PlainHTTP: true, HTTPClient: http.DefaultClient}
			_, err := Pull(ctx, noRetry, mustRef(t, tt.ref), nil, &Policy{Disabled: true})
			if ReasonOf(err) != ReasonPullFailed || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("Pull: %v, want %s mentioning %q", err, ReasonPullFailed, tt.wantInErr)
			}
		})
	}
}

// A registry that answers 503 a few times (a restart, a rate limit) does
// not fail the pull: the default client retries with backoff.
func TestPullRetries(t *testing.T) {
	ctx := context.Background()
	var failures atomic.Int32
	host := ocitest.StartRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && failures.Add(1) <= 2 {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	ref := mustRef(t, "oci://"+host+"/profiles/base:v1")
	if _, err := Push(ctx, local, ref, []Profile{{Data: []byte(profileYAML)}}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := Pull(ctx, local, ref, nil, &Policy{Disabled: true})
	if err != nil || string(got.Data) != profileYAML || failures.Load() < 3 {
		t.Fatalf("Pull through two 503s: %v (blob requests %d)", err, failures.Load())
	}
}

func TestPlatformVariants(t *testing.T) {
	ctx := context.Background()
	host := ocitest.StartRegistry(t, nil)
	ref := mustRef(t, "oci://"+host+"/profiles/multi:v1")
	arm, _ := ParsePlatform("linux/arm64")
	desc, err := Push(ctx, local, ref, []Profile{
		{Data: []byte("default")},
		{Platform: arm, Data: []byte("arm64")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for platform, want := range map[string]string{"linux/arm64": "arm64", "linux/arm64/v8": "arm64", "linux/amd64": "default", "": "default"} {
		var p *ocispec.Platform
		if platform != "" {
			p, _ = ParsePlatform(platform)
		}
		got, err := Pull(ctx, local, ref, p, &Policy{Disabled: true})
		if err != nil {
			t.Fatalf("%s: %v", platform, err)
		}
		if string(got.Data) != want {
			t.Errorf("platform %q got %q, want %q", platform, got.Data, want)
		}
		if got.Ref.Digest != desc.Digest.String() {
			t.Errorf("pulled %s, pushed %s", got.Ref.Digest, desc.Digest)
		}
	}
	// Pushing the same files again gives the same digest, so a signature
	// or a pinned reference stays valid.
	again, err := Push(ctx, local, ref, []Profile{{Platform: arm, Data: []byte("arm64")}, {Data: []byte("default")}}, nil)
	if err != nil || again.Digest != desc.Digest {
		t.Errorf("re-push gave %s (%v), want %s", again.Digest, err, desc.Digest)
	}
	only := mustRef(t, "oci://"+host+"/profiles/armonly:v1")
	if _, err := Push(ctx, local, only, []Profile{{Platform: arm, Data: []byte("arm64")}}, nil); err != nil {
		t.Fatal(err)
	}
	amd, _ := ParsePlatform("linux/amd64")
	if _, err := Pull(ctx, local, only, amd, &Policy{Disabled: true}); err == nil || !strings.Contains(err.Error(), "profile-linux-arm64.yaml") {
		t.Errorf("pull for a platform the artifact lacks: %v, want the layers listed", err)
	}
}

func TestErrorUnwraps(t *testing.T) {
	inner := io.ErrUnexpectedEOF
	err := fmt.Errorf("wrapped: %w", &Error{Reason: ReasonPullFailed, Ref: "x", Err: inner})
	if !errors.Is(err, inner) || ReasonOf(err) != ReasonPullFailed {
		t.Errorf("Error does not unwrap: %v", err)
	}
}
