package seccomp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/opencontainers/runtime-spec/specs-go"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/ociartifact"
)

// Why an OCI base profile could not be used, as node status reasons.
const (
	ReasonBaseProfilePullFailed       = ociartifact.ReasonPullFailed
	ReasonBaseProfileSignatureInvalid = ociartifact.ReasonSignatureInvalid
	// ReasonBaseProfileInvalid: the artifact was fetched and verified but
	// holds no SeccompProfile.
	ReasonBaseProfileInvalid = "BaseProfileInvalid"
)

// DefaultTagRecheck is OCIBases.RecheckTags unless set: a moved tag reaches
// the nodes within the hour, for the cost of one HEAD request per profile.
const DefaultTagRecheck = time.Hour

func (o *OCIBases) recheck() time.Duration {
	if o == nil || o.RecheckTags <= 0 {
		return DefaultTagRecheck
	}
	return o.RecheckTags
}

// maxCachedBases bounds the cache; past it the cache starts over (bases are
// few, and a miss costs one pull).
const maxCachedBases = 128

// OCIBases fetches `baseProfileName: oci://…` bases for the Installer. The
// daemon pulls them, not the manager: the node is where a chain is
// resolved (the manager never renders profiles), each node picks the layer
// for its own platform, and a registry outage shows up on the nodes it
// affects.
//
// A tag is resolved to its digest on every install (one HEAD request),
// and profiles built on a tag are installed again every RecheckTags; what
// was pulled and verified is cached by that digest, the node's platform
// and the verification policy, so a profile whose base did not change
// costs no pull, a moved tag is picked up, and a stricter policy
// re-verifies.
type OCIBases struct {
	Remote ociartifact.Remote
	// TrustDir holds the public key and trusted root the SPOD names
	// (ociartifact.PublicKeyFile, TrustedRootFile), mounted by the
	// DaemonSet; the daemon itself may not read Secrets.
	TrustDir string
	// PullSecretsDir holds the registry credentials of the Secrets the
	// SPOD's security.ociArtifactPullSecrets names, one docker config per
	// Secret (ociartifact.PullSecrets), projected by the DaemonSet; empty
	// when the SPOD names none. Remote.Credential is asked for hosts none
	// of them has an entry for.
	PullSecretsDir string
	// Namespace is the operator's, for messages.
	Namespace string
	// Platform is the node's; nil means the daemon's own OS and
	// architecture.
	Platform *ocispec.Platform
	// RecheckTags is how often a profile whose chain names an OCI base by
	// tag alone is installed again, to pick up a tag that moved; 0 means
	// DefaultTagRecheck. A digest-pinned base never changes.
	RecheckTags time.Duration

	mu    sync.Mutex
	cache map[string]*v1.SeccompProfile
}

// Get returns the base profile ref names, named ref so chain messages
// show where it came from. Every failure is an *Error on
// spec.baseProfileName: pull failures are retried with backoff, signature
// and content failures wait for a change.
func (o *OCIBases) Get(ctx context.Context, name string, sec v1.SecurityConfig) (*v1.SeccompProfile, error) {
	ref, err := ociartifact.ParseRef(name)
	if err != nil {
		return nil, baseError(ReasonBaseProfileInvalid, err, false)
	}
	policy, err := o.policy(sec)
	if err != nil {
		return nil, err
	}
	remote := o.remote(sec)
	pinned, err := ociartifact.Resolve(ctx, remote, ref)
	if err != nil {
		return nil, fromArtifactError(err)
	}
	platform := o.platform()
	// By digest: the same manifest under another tag (or none) is a hit.
	key := strings.Join([]string{pinned.Repo() + "@" + pinned.Digest, platform.OS, platform.Architecture, platform.Variant, policy.Key()}, "|")
	if p := o.cached(key); p != nil {
		return named(p, name), nil
	}
	pulled, err := ociartifact.Pull(ctx, remote, pinned, platform, policy)
	if err != nil {
		return nil, fromArtifactError(err)
	}
	p, err := parseProfile(pulled.Data)
	if err != nil {
		return nil, baseError(ReasonBaseProfileInvalid, fmt.Errorf("%s (layer %s): %w", pulled.Ref, pulled.Layer, err), false)
	}
	log.FromContext(ctx).Info("pulled base profile", "ref", pulled.Ref.String(), "layer", pulled.Layer, "signature", pulled.Verification)
	o.store(key, p)
	return named(p, name), nil
}

// remote is o.Remote with the credentials of the SPOD's
// ociArtifactPullSecrets in front of its own, read from where the
// DaemonSet projects them. The SPOD's list, not the directory, decides the
// order and which Secrets count: the daemon sees a changed SPOD before the
// kubelet updates the volume, and then reports the Secret as not mounted.
// The cache key needs no credentials: whoever pulled it, a digest names
// the same bytes.
func (o *OCIBases) remote(sec v1.SecurityConfig) ociartifact.Remote {
	r := o.Remote
	dir := o.PullSecretsDir
	if dir == "" {
		// A daemon started without the flag still explains, naming the
		// Secrets it was not given.
		dir = ociartifact.PullSecretsDir
	}
	ps := ociartifact.PullSecrets{Dir: dir, Namespace: o.Namespace, Fallback: r.Credential}
	for _, s := range sec.OCIArtifactPullSecrets {
		ps.Names = append(ps.Names, s.Name)
	}
	r.Credential, r.Describe = ps.Credential, ps.Describe
	return r
}

func (o *OCIBases) platform() *ocispec.Platform {
	if o.Platform != nil {
		return o.Platform
	}
	return &ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
}

func (o *OCIBases) cached(key string) *v1.SeccompProfile {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cache[key]
}

func (o *OCIBases) store(key string, p *v1.SeccompProfile) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cache == nil || len(o.cache) >= maxCachedBases {
		o.cache = map[string]*v1.SeccompProfile{}
	}
	o.cache[key] = p
}

// named returns a copy (Resolve's callers must not change the cache) that
// carries the reference as its name.
func named(p *v1.SeccompProfile, name string) *v1.SeccompProfile {
	c := p.DeepCopy()
	c.Name = name
	return c
}

// policy turns the SPOD's spec.security into the verification policy,
// reading the key and trusted root it names from TrustDir, where the
// manager mounts them (see reconcilers/spod).
func (o *OCIBases) policy(sec v1.SecurityConfig) (*ociartifact.Policy, error) {
	p := &ociartifact.Policy{
		Disabled:       ptr.Deref(sec.DisableOCIArtifactSignatureVerification, false),
		IdentityRegexp: sec.AllowedIdentityRegexp,
		IssuerRegexp:   sec.AllowedOidcIssuerRegexp,
	}
	sv := sec.SignatureVerification
	if p.Disabled || sv == nil {
		return p, nil
	}
	p.Identity, p.Issuer = sv.AllowedIdentity, sv.AllowedOidcIssuer
	var err error
	if ref := sv.PublicKeySecretRef; ref != nil {
		if p.PublicKeyPEM, err = o.trustFile(ociartifact.PublicKeyFile, "publicKeySecretRef", "Secret", ref.Name, ref.Key); err != nil {
			return nil, err
		}
	}
	if ref := sv.TrustedRootConfigMapRef; ref != nil {
		if p.TrustedRootJSON, err = o.trustFile(ociartifact.TrustedRootFile, "trustedRootConfigMapRef", "ConfigMap", ref.Name, ref.Key); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (o *OCIBases) trustFile(file, field, kind, name, key string) ([]byte, error) {
	if o.TrustDir == "" {
		return nil, trustError(field, errors.New("this daemon has no --oci-trust-dir to read it from (the manager's DaemonSet mounts it)"))
	}
	data, err := os.ReadFile(filepath.Join(o.TrustDir, file))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(data) == 0) {
		return nil, trustError(field, fmt.Errorf("%s %s/%s has no key %q, or it is not mounted yet", kind, o.Namespace, name, key))
	}
	if err != nil {
		return nil, trustError(field, err)
	}
	return data, nil
}

// trustError: the SPOD names trust material the daemon cannot read. It is
// retried, since the kubelet adds the file to the volume when the
// ConfigMap or Secret appears, which triggers nothing else.
func trustError(field string, err error) error {
	return &Error{Reason: ReasonBaseProfileSignatureInvalid, Field: "spec.baseProfileName",
		Message: "SPOD spec.security.signatureVerification." + field + ": " + err.Error(), Retry: true}
}

func baseError(reason string, err error, retry bool) error {
	return &Error{Reason: reason, Field: "spec.baseProfileName", Message: err.Error(), Retry: retry}
}

func fromArtifactError(err error) error {
	reason := ociartifact.ReasonOf(err)
	if reason == "" {
		reason = ReasonBaseProfilePullFailed
	}
	return baseError(reason, err, reason == ReasonBaseProfilePullFailed)
}

// parseProfile reads a pulled layer: a SeccompProfile manifest (what
// `spoc push` publishes), or the OCI runtime JSON a container runtime
// reads (SPO's runtime-format artifacts).
func parseProfile(data []byte) (*v1.SeccompProfile, error) {
	var head struct {
		APIVersion    string `json:"apiVersion"`
		Kind          string `json:"kind"`
		DefaultAction string `json:"defaultAction"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not YAML or JSON: %w", err)
	}
	switch {
	case head.Kind == "SeccompProfile" && strings.HasPrefix(head.APIVersion, v1.GroupVersion.Group+"/"):
		p := &v1.SeccompProfile{}
		if err := yaml.Unmarshal(data, p); err != nil {
			return nil, err
		}
		return p, nil
	case head.Kind == "" && head.DefaultAction != "":
		var oci specs.LinuxSeccomp
		if err := json.Unmarshal(data, &oci); err != nil {
			return nil, fmt.Errorf("reading OCI seccomp JSON: %w", err)
		}
		spec, err := FromOCI(&oci)
		if err != nil {
			return nil, err
		}
		return &v1.SeccompProfile{Spec: *spec}, nil
	}
	return nil, fmt.Errorf("holds a %s %q, not a SeccompProfile", head.APIVersion, head.Kind)
}
