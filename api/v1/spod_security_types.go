package v1

import (
	corev1 "k8s.io/api/core/v1"
)

// SecurityConfig limits what profiles may allow, cluster wide.
type SecurityConfig struct {
	// AllowedSyscalls, when set, is the only syscalls a SeccompProfile may
	// name in a rule whose action is not a denial.
	// +optional
	// +listType=set
	AllowedSyscalls []string `json:"allowedSyscalls,omitempty"`
	// AllowedSeccompActions, when set, is the only actions a SeccompProfile
	// may use (default and rule actions).
	// +optional
	// +listType=set
	AllowedSeccompActions []SeccompAction `json:"allowedSeccompActions,omitempty"`

	// DisableOCIArtifactSignatureVerification accepts OCI artifact base
	// profiles (`baseProfileName: oci://…`) without checking their
	// signature. Verification is on by default: an unsigned artifact, or
	// one no signature of which satisfies the settings below, is refused
	// with reason BaseProfileSignatureInvalid.
	// +optional
	// +kubebuilder:default=false
	DisableOCIArtifactSignatureVerification *bool `json:"disableOciArtifactSignatureVerification,omitempty"`
	// AllowedIdentityRegexp must match the identity (the certificate's
	// subject alternative name: an email, a CI workflow URL) a keyless
	// signature of an OCI artifact base profile was issued to. Empty
	// matches any identity, which only proves that somebody the trusted
	// root's Fulcio certified signed it: set it to the signers you trust.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	AllowedIdentityRegexp string `json:"allowedIdentityRegexp,omitempty"`
	// AllowedOidcIssuerRegexp must match the OIDC issuer of a keyless
	// signature's certificate (for example
	// `^https://token\.actions\.githubusercontent\.com$`). Empty matches any.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	AllowedOidcIssuerRegexp string `json:"allowedOidcIssuerRegexp,omitempty"`
	// SignatureVerification says what OCI artifact signatures are checked
	// against: a public key (key-based) or a Sigstore trusted root
	// (keyless). Without it, keyless signatures cannot be verified and
	// only disabling verification lets OCI base profiles in.
	// +optional
	SignatureVerification *SignatureVerification `json:"signatureVerification,omitempty"`
	// OCIArtifactPullSecrets are Secrets of type
	// kubernetes.io/dockerconfigjson, in the operator's namespace, holding
	// the credentials the node daemons use to pull OCI artifact base
	// profiles (`baseProfileName: oci://…`) from registries that require
	// them: the same Secrets as a pod's imagePullSecrets. For each
	// registry host, the first Secret listed with an entry for it is used;
	// a host none has an entry for is pulled anonymously (or with the
	// daemon's own $DOCKER_CONFIG). Entries match by host, a legacy
	// `https://HOST/v1/` key included; wildcard hosts are not matched. The operator
	// mounts the Secrets into its node daemons (they need no permission to
	// read Secrets); one that is missing or malformed is reported in the
	// SPOD's condition OCIArtifactPullSecrets and a Warning Event, and
	// does not stop the daemons.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	OCIArtifactPullSecrets []PullSecretReference `json:"ociArtifactPullSecrets,omitempty"`
}

// PullSecretReference names a Secret in the operator's namespace, as an
// entry of a pod's imagePullSecrets does.
type PullSecretReference struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// SignatureVerification names the trust material for OCI artifact
// signatures: keys of a Secret and a ConfigMap in the operator's
// namespace, which the operator mounts into its node daemons (they need no
// permission to read Secrets). A missing one is reported on the profiles
// that need it (BaseProfileSignatureInvalid), not fatal to the daemons.
// +kubebuilder:validation:MinProperties=1
type SignatureVerification struct {
	// PublicKeySecretRef selects a key of a Secret holding a PEM public key
	// (`cosign generate-key-pair`'s cosign.pub, or any ECDSA P-256 key).
	// When set, signatures are verified with it, and the identity and
	// issuer regexps do not apply.
	// +optional
	PublicKeySecretRef *corev1.SecretKeySelector `json:"publicKeySecretRef,omitempty"`
	// AllowedIdentity is the exact identity a keyless signing certificate
	// must be issued to (for example a CI workflow's URL); it takes
	// precedence over allowedIdentityRegexp.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	AllowedIdentity string `json:"allowedIdentity,omitempty"`
	// AllowedOidcIssuer is the exact OIDC issuer of a keyless signing
	// certificate; it takes precedence over allowedOidcIssuerRegexp.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	AllowedOidcIssuer string `json:"allowedOidcIssuer,omitempty"`
	// TrustedRootConfigMapRef selects a key of a ConfigMap holding a
	// Sigstore trusted root in JSON (`cosign trusted-root create`, or the
	// trusted_root.json of Sigstore's TUF repository): its Fulcio CAs
	// certify keyless signers; its transparency logs, CT logs and timestamp
	// authorities, when it lists any, are required as well.
	// +optional
	TrustedRootConfigMapRef *corev1.ConfigMapKeySelector `json:"trustedRootConfigMapRef,omitempty"`
}
