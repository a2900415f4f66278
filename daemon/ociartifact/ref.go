package ociartifact

import (
	"fmt"
	"strings"

	"oras.land/oras-go/v2/registry"
)

// Scheme prefixes a baseProfileName (or a spoc argument) that names an OCI
// artifact rather than an object in the cluster.
const Scheme = "oci://"

// Ref is a parsed `oci://` reference.
type Ref struct {
	// Registry is the host[:port].
	Registry string
	// Repository is the path inside the registry.
	Repository string
	// Tag is empty when only a digest was given.
	Tag string
	// Digest ("sha256:…") pins the manifest; when set it wins over Tag.
	Digest string
}

// IsRef reports whether s is meant as an OCI reference (it has the scheme);
// whether it is a valid one is ParseRef's to say.
func IsRef(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseRef parses `oci://REGISTRY/REPOSITORY[:TAG][@DIGEST]`. Without tag
// and digest the tag is "latest", as for container images. The grammar is
// the OCI distribution one, checked by oras-go; this adds the scheme and
// splits `repo:tag@digest`, which oras-go folds into one field.
func ParseRef(s string) (Ref, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Ref{}, fmt.Errorf("OCI reference %q must start with %s", s, Scheme)
	}
	name, digest, hasDigest := strings.Cut(rest, "@")
	var tag string
	// A colon after the last slash separates the tag; one before it is the
	// registry's port.
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	if !strings.Contains(name, "/") {
		return Ref{}, fmt.Errorf("OCI reference %q needs a registry and a repository (oci://REGISTRY/REPOSITORY:TAG)", s)
	}
	if hasDigest && digest == "" {
		return Ref{}, fmt.Errorf("invalid OCI reference %q: empty digest after @", s)
	}
	r := Ref{Tag: tag, Digest: digest}
	if !hasDigest && tag == "" {
		r.Tag = "latest"
	}
	for _, part := range []string{r.Tag, r.Digest} {
		if part == "" {
			continue
		}
		parsed, err := registry.ParseReference(name + sep(part) + part)
		if err != nil {
			return Ref{}, fmt.Errorf("invalid OCI reference %q: %w", s, err)
		}
		r.Registry, r.Repository = parsed.Registry, parsed.Repository
	}
	return r, nil
}

func sep(part string) string {
	if strings.Contains(part, ":") {
		return "@" // a digest: algorithm:hex
	}
	return ":"
}

// Reference is what the registry is asked for: the digest when pinned,
// otherwise the tag.
func (r Ref) Reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// Repo is REGISTRY/REPOSITORY, what oras-go's remote.NewRepository takes.
func (r Ref) Repo() string { return r.Registry + "/" + r.Repository }

// String gives the reference back with its scheme.
func (r Ref) String() string {
	s := Scheme + r.Repo()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}
