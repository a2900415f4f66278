package ociartifact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// The artifact layout, as SPO's spoc writes it (see the package comment).
const (
	// ArtifactType is the manifest's artifactType: oras-go's "unknown
	// config", which is what SPO pushes profile manifests with.
	ArtifactType = oras.MediaTypeUnknownConfig
	// LayerMediaType is each profile layer's media type (SPO's, through
	// oras-go's file store default).
	LayerMediaType = ocispec.MediaTypeImageLayer
	// DefaultLayerName is the title of the platform-independent profile.
	DefaultLayerName = "profile.yaml"

	// createdEpoch is the manifest's org.opencontainers.image.created: fixed,
	// so pushing the same files twice gives the same digest (and the same
	// signature stays valid).
	createdEpoch = "1970-01-01T00:00:00Z"

	// The largest manifest and profile a pull reads: far above any real
	// profile, small enough that a hostile registry cannot make every node
	// allocate without bound.
	maxManifestSize = 4 << 20
	maxProfileSize  = 4 << 20
)

// Remote says how to reach registries.
type Remote struct {
	// PlainHTTP talks HTTP instead of HTTPS (local test registries).
	PlainHTTP bool
	// Credential returns credentials per registry host; nil is anonymous.
	// credentials.Credential(store) adapts a docker config store.
	Credential auth.CredentialFunc
	// Describe, when set, says which credentials a host gets (never the
	// secrets themselves), for the message of a refused pull; unset, the
	// message says whether Credential had any.
	Describe func(ctx context.Context, host string) string
	// HTTPClient defaults to oras-go's retrying client (backoff on
	// connection errors, 429 and 5xx), so a registry's hiccup does not
	// become a node status Error.
	HTTPClient *http.Client
}

func (r Remote) repository(ref Ref) (*remote.Repository, error) {
	repo, err := remote.NewRepository(ref.Repo())
	if err != nil {
		return nil, err
	}
	repo.PlainHTTP = r.PlainHTTP
	httpClient := r.HTTPClient
	if httpClient == nil {
		httpClient = retry.DefaultClient
	}
	c := &auth.Client{Client: httpClient, Credential: r.Credential, Cache: auth.NewCache()}
	c.SetUserAgent("spo")
	repo.Client = c
	return repo, nil
}

// Profile is one file of an artifact.
type Profile struct {
	// Platform is nil for the platform-independent profile.
	Platform *ocispec.Platform
	Data     []byte
}

// LayerName is the title a profile for platform gets (SPO's naming).
func LayerName(p *ocispec.Platform) string {
	if p == nil {
		return DefaultLayerName
	}
	name := "profile-" + p.OS + "-" + p.Architecture
	if p.Variant != "" {
		name += "-" + p.Variant
	}
	return name + ".yaml"
}

// ParsePlatform reads "os/arch[/variant]".
func ParsePlatform(s string) (*ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return nil, fmt.Errorf("platform %q is not OS/ARCH[/VARIANT]", s)
	}
	p := &ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// Push uploads profiles as one artifact tagged ref.Tag and, when signer is
// not nil, attaches a signature of its manifest. It returns the manifest's
// descriptor (its digest is what to pin with `@`).
func Push(ctx context.Context, to Remote, ref Ref, profiles []Profile, signer *Signer) (ocispec.Descriptor, error) {
	fail := func(err error) (ocispec.Descriptor, error) {
		return ocispec.Descriptor{}, &Error{Reason: ReasonPullFailed, Ref: ref.String(), Err: err}
	}
	if ref.Tag == "" || ref.Digest != "" {
		return fail(fmt.Errorf("push needs a tag and no digest (the digest is the result)"))
	}
	if len(profiles) == 0 {
		return fail(fmt.Errorf("nothing to push"))
	}
	repo, err := to.repository(ref)
	if err != nil {
		return fail(err)
	}
	layers := make([]ocispec.Descriptor, 0, len(profiles))
	seen := map[string]bool{}
	for _, p := range profiles {
		name := LayerName(p.Platform)
		if seen[name] {
			return fail(fmt.Errorf("two profiles for %s", name))
		}
		seen[name] = true
		desc := content.NewDescriptorFromBytes(LayerMediaType, p.Data)
		desc.Annotations = map[string]string{ocispec.AnnotationTitle: name}
		desc.Platform = p.Platform
		if err := pushBlob(ctx, repo, desc, p.Data); err != nil {
			return fail(fmt.Errorf("pushing %s: %w", name, err))
		}
		layers = append(layers, desc)
	}
	// Layer order is part of the digest: sort so the same files give the
	// same manifest whatever order they were named in.
	slices.SortFunc(layers, func(a, b ocispec.Descriptor) int {
		return strings.Compare(a.Annotations[ocispec.AnnotationTitle], b.Annotations[ocispec.AnnotationTitle])
	})
	manifest, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, ArtifactType, oras.PackManifestOptions{
		Layers:              layers,
		ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: createdEpoch},
	})
	if err != nil {
		return fail(fmt.Errorf("pushing the manifest: %w", err))
	}
	if err := repo.Tag(ctx, manifest, ref.Tag); err != nil {
		return fail(fmt.Errorf("tagging %s: %w", ref.Tag, err))
	}
	if signer != nil {
		if err := signer.Sign(ctx, repo, manifest); err != nil {
			return manifest, &Error{Reason: ReasonSignatureInvalid, Ref: ref.String(),
				Err: fmt.Errorf("pushed %s but could not sign it: %w", manifest.Digest, err)}
		}
	}
	return manifest, nil
}

// pushBlob skips blobs the registry has, so re-pushing is cheap.
func pushBlob(ctx context.Context, repo *remote.Repository, desc ocispec.Descriptor, data []byte) error {
	exists, err := repo.Exists(ctx, desc)
	if err == nil && exists {
		return nil
	}
	return repo.Push(ctx, desc, bytes.NewReader(data))
}

// Pulled is a fetched profile.
type Pulled struct {
	// Ref is the reference pinned to the manifest digest that was verified.
	Ref Ref
	// Layer is the title of the layer the profile came from.
	Layer string
	Data  []byte
	// Verification says how the signature was checked (for logs and
	// Events): "key", "keyless: IDENTITY (ISSUER)" or "disabled".
	Verification string
}

// Pull resolves ref, verifies the manifest's signature against policy, and
// returns the profile for platform: the layer named for it, else the
// platform-independent one, else the only layer. A nil platform takes the
// platform-independent profile.
func Pull(ctx context.Context, from Remote, ref Ref, platform *ocispec.Platform, policy *Policy) (*Pulled, error) {
	repo, err := from.repository(ref)
	if err != nil {
		return nil, &Error{Reason: ReasonPullFailed, Ref: ref.String(), Err: err}
	}
	desc, raw, err := fetchManifest(ctx, repo, ref)
	if err != nil {
		return nil, &Error{Reason: ReasonPullFailed, Ref: ref.String(), Err: from.explain(ctx, repo, err)}
	}
	pinned := ref
	pinned.Digest = desc.Digest.String()
	how, err := policy.Verify(ctx, repo, desc)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Ref = pinned.String() // Verify knows the digest, not the reference
		}
		return nil, err
	}
	var m ocispec.Manifest
	if err := decodeManifest(raw, &m); err != nil {
		return nil, &Error{Reason: ReasonPullFailed, Ref: pinned.String(), Err: err}
	}
	layer, err := selectLayer(m.Layers, platform)
	if err != nil {
		return nil, &Error{Reason: ReasonPullFailed, Ref: pinned.String(), Err: err}
	}
	if layer.Size > maxProfileSize {
		return nil, &Error{Reason: ReasonPullFailed, Ref: pinned.String(),
			Err: fmt.Errorf("profile layer is %d bytes, more than the %d allowed", layer.Size, maxProfileSize)}
	}
	// FetchAll checks size and digest: the bytes are the ones the signed
	// manifest names.
	data, err := content.FetchAll(ctx, repo, layer)
	if err != nil {
		return nil, &Error{Reason: ReasonPullFailed, Ref: pinned.String(), Err: from.explain(ctx, repo, fmt.Errorf("fetching the profile layer: %w", err))}
	}
	return &Pulled{Ref: pinned, Layer: layer.Annotations[ocispec.AnnotationTitle], Data: data, Verification: how}, nil
}

func fetchManifest(ctx context.Context, repo *remote.Repository, ref Ref) (ocispec.Descriptor, []byte, error) {
	desc, err := repo.Resolve(ctx, ref.Reference())
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("resolving %s: %w", ref.Reference(), err)
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return ocispec.Descriptor{}, nil, fmt.Errorf("%s is a %s, not an OCI image manifest of a profile artifact", ref.Reference(), desc.MediaType)
	}
	if desc.Size > maxManifestSize {
		return ocispec.Descriptor{}, nil, fmt.Errorf("manifest is %d bytes, more than the %d allowed", desc.Size, maxManifestSize)
	}
	raw, err := content.FetchAll(ctx, repo, desc)
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("fetching the manifest: %w", err)
	}
	return desc, raw, nil
}

// selectLayer picks the profile for platform (see Pull).
func selectLayer(layers []ocispec.Descriptor, platform *ocispec.Platform) (ocispec.Descriptor, error) {
	byName := map[string]ocispec.Descriptor{}
	for _, l := range layers {
		byName[l.Annotations[ocispec.AnnotationTitle]] = l
	}
	if platform != nil {
		if l, ok := byName[LayerName(platform)]; ok {
			return l, nil
		}
		if platform.Variant != "" {
			if l, ok := byName[LayerName(&ocispec.Platform{OS: platform.OS, Architecture: platform.Architecture})]; ok {
				return l, nil
			}
		}
	}
	if l, ok := byName[DefaultLayerName]; ok {
		return l, nil
	}
	if len(layers) == 1 && layers[0].Platform == nil {
		return layers[0], nil
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	want := DefaultLayerName
	if platform != nil {
		want = LayerName(platform) + " or " + DefaultLayerName
	}
	return ocispec.Descriptor{}, fmt.Errorf("artifact has no %s (layers: %s)", want, strings.Join(names, ", "))
}

// Resolve pins ref to the manifest its tag names now (one HEAD request);
// a ref with a digest is returned as it is. Callers cache by the pinned
// reference, so a moved tag is noticed and an unchanged one costs no pull.
func Resolve(ctx context.Context, from Remote, ref Ref) (Ref, error) {
	if ref.Digest != "" {
		return ref, nil
	}
	repo, err := from.repository(ref)
	if err != nil {
		return Ref{}, &Error{Reason: ReasonPullFailed, Ref: ref.String(), Err: err}
	}
	desc, err := repo.Resolve(ctx, ref.Tag)
	if err != nil {
		return Ref{}, &Error{Reason: ReasonPullFailed, Ref: ref.String(), Err: from.explain(ctx, repo, fmt.Errorf("resolving %s: %w", ref.Tag, err))}
	}
	ref.Digest = desc.Digest.String()
	return ref, nil
}
