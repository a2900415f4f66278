// Package ociartifact moves profiles through OCI registries: `spoc push`
// and `spoc pull` use it, and the node daemon uses it to fetch a
// SeccompProfile's `baseProfileName: oci://…`.
//
// The contract:
//
//   - A reference is `oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]`
//     (ParseRef); without tag or digest it means `:latest`.
//   - An artifact is an OCI image manifest (v1.1) with artifactType
//     ArtifactType and one layer per profile file, named by its
//     org.opencontainers.image.title annotation: `profile.yaml` for the
//     platform-independent profile, `profile-OS-ARCH[-VARIANT].yaml` for a
//     platform variant (the layer descriptor also carries the platform).
//     These are the names and types SPO's `spoc push` writes, so artifacts
//     move between the two tools.
//   - A signature is a Sigstore bundle (v0.3) attached to the manifest as an
//     OCI referrer, the layout cosign 3 writes: a DSSE envelope over an
//     in-toto statement whose subject is the manifest digest and whose
//     predicate type is CosignSignPredicateType. The manifest lists every
//     layer's digest, so a signature over it covers the profile content.
//   - Pull resolves the reference to a manifest digest, verifies a
//     signature of that digest (unless the Policy disables verification),
//     and only then fetches the layer for the requested platform. Every
//     blob is checked against its digest and bounded in size, so a
//     registry cannot substitute content or exhaust memory.
//   - Errors are *Error with a Reason: ReasonPullFailed (the registry or the
//     artifact; worth a retry) or ReasonSignatureInvalid (no signature, or
//     none that the Policy accepts; retrying will not help).
//
// Signing and verification are sigstore-go's; pushing, pulling and the
// referrers API are oras-go's. This package only decides the layout and the
// policy.
package ociartifact
