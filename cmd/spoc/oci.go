package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"

	"github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// registryFlags are the flags push and pull share: how to reach and log in
// to the registry.
type registryFlags struct {
	plainHTTP     bool
	username      string
	passwordStdin bool
}

func (r *registryFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.plainHTTP, "plain-http", false, "talk HTTP, not HTTPS, to the registry (local test registries)")
	fs.StringVar(&r.username, "username", "", "registry user; the password comes from $SPOC_PASSWORD or --password-stdin (default: the docker config's credentials)")
	fs.BoolVar(&r.passwordStdin, "password-stdin", false, "read the registry password (or, without --username, an identity token) from stdin")
}

// remote returns how to reach ref's registry: the credentials given on the
// command line, else the docker config's ($DOCKER_CONFIG or ~/.docker).
func (r *registryFlags) remote(ref ociartifact.Ref, stdin io.Reader) (ociartifact.Remote, error) {
	rem := ociartifact.Remote{PlainHTTP: r.plainHTTP}
	password := os.Getenv("SPOC_PASSWORD")
	if r.passwordStdin {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return rem, err
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	if r.username != "" || password != "" {
		rem.Credential = ociartifact.StaticCredentials(ref.Registry, r.username, password)
		return rem, nil
	}
	cred, err := ociartifact.DockerCredentials()
	if err != nil {
		return rem, fmt.Errorf("reading the docker config: %w", err)
	}
	rem.Credential = cred
	return rem, nil
}

// platformFiles collects repeated --platform-file OS/ARCH[/VARIANT]=FILE.
type platformFiles []string

func (p *platformFiles) String() string     { return strings.Join(*p, ",") }
func (p *platformFiles) Set(v string) error { *p = append(*p, v); return nil }

// runPush publishes profiles as an OCI artifact, optionally signed.
func runPush(args []string) error {
	fs := newFlagSet("push", "[--sign-key KEY.pem | --fulcio-url URL [--identity-token JWT] [--rekor-url URL]] [--platform-file OS/ARCH=FILE ...] [FILE] oci://REGISTRY/REPOSITORY:TAG")
	var reg registryFlags
	reg.register(fs)
	signKey := fs.String("sign-key", "", "sign the artifact with this ECDSA P-256 private key: PEM, unencrypted or cosign's encrypted cosign.key (password in $COSIGN_PASSWORD); verify with its public key")
	fulcio := fs.String("fulcio-url", "", "sign keylessly: an ephemeral key certified by this Fulcio for the identity in --identity-token")
	idToken := fs.String("identity-token", os.Getenv("SIGSTORE_ID_TOKEN"), "OIDC identity token for --fulcio-url (default $SIGSTORE_ID_TOKEN)")
	rekor := fs.String("rekor-url", "", "with --fulcio-url: log the signature in this Rekor (Sigstore's public-good trusted root requires it)")
	var variants platformFiles
	fs.Var(&variants, "platform-file", "a profile for one platform, OS/ARCH[/VARIANT]=FILE (repeatable); FILE without it is for every other platform")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || len(pos) > 2 || (len(pos) == 1 && len(variants) == 0) {
		fs.Usage()
		return errUsage
	}
	ref, err := ociartifact.ParseRef(pos[len(pos)-1])
	if err != nil {
		return usageError("%v", err)
	}
	var profiles []ociartifact.Profile
	if len(pos) == 2 {
		p, err := readPushable(pos[0], nil)
		if err != nil {
			return err
		}
		profiles = append(profiles, p)
	}
	for _, v := range variants {
		platform, file, ok := strings.Cut(v, "=")
		if !ok {
			return usageError("--platform-file %q is not OS/ARCH[/VARIANT]=FILE", v)
		}
		pl, err := ociartifact.ParsePlatform(platform)
		if err != nil {
			return usageError("%v", err)
		}
		p, err := readPushable(file, pl)
		if err != nil {
			return err
		}
		profiles = append(profiles, p)
	}
	var signer *ociartifact.Signer
	if *signKey != "" && *fulcio != "" {
		return usageError("--sign-key and --fulcio-url are two ways to sign: give one")
	}
	if *fulcio != "" {
		if signer, err = ociartifact.NewKeylessSigner(*fulcio, *idToken, *rekor); err != nil {
			return usageError("%v", err)
		}
	}
	if *signKey != "" {
		key, err := os.ReadFile(*signKey)
		if err != nil {
			return err
		}
		// cosign's variable, so keys from `cosign generate-key-pair` work
		// the way they do with cosign.
		if signer, err = ociartifact.NewKeySigner(key, []byte(os.Getenv("COSIGN_PASSWORD"))); err != nil {
			return fmt.Errorf("%s: %w", *signKey, err)
		}
	}
	rem, err := reg.remote(ref, os.Stdin)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	desc, err := ociartifact.Push(ctx, rem, ref, profiles, signer)
	if err != nil {
		return err
	}
	pinned := ref
	pinned.Digest = desc.Digest.String()
	signed := "unsigned"
	if signer != nil {
		signed = "signed"
	}
	fmt.Fprintf(os.Stderr, "spoc: pushed %d profile(s), %s\n", len(profiles), signed)
	fmt.Println(pinned.String())
	return nil
}

// readPushable reads a profile to push. A SeccompProfile (or OCI seccomp
// JSON) is validated as the daemon will when it is used as a base, before
// anything reaches the registry. SelinuxProfile, RawSelinuxProfile and
// AppArmorProfile manifests are pushed as they are (SPO's spoc publishes
// them too; they are applied after a pull, never used as a base), once
// their kind is checked.
func readPushable(path string, platform *ocispec.Platform) (ociartifact.Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ociartifact.Profile{}, err
	}
	var meta metav1.TypeMeta
	if yaml.Unmarshal(data, &meta) == nil && meta.APIVersion == v1.GroupVersion.String() &&
		slices.Contains([]string{"SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile"}, meta.Kind) {
		return ociartifact.Profile{Platform: platform, Data: data}, nil
	}
	p, _, err := parseProfile(data, nameFromPath(path))
	if err != nil {
		return ociartifact.Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := seccomp.Validate(&p.Spec); err != nil {
		return ociartifact.Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	return ociartifact.Profile{Platform: platform, Data: data}, nil
}

// runPull fetches a profile artifact, verifying its signature first.
func runPull(args []string) error {
	fs := newFlagSet("pull", "[-o FILE] [--platform OS/ARCH] (--public-key KEY.pub | --trusted-root ROOT.json [--identity-regexp RE] [--issuer-regexp RE] | --no-verify) oci://REGISTRY/REPOSITORY[:TAG][@DIGEST]")
	var reg registryFlags
	reg.register(fs)
	out := fs.String("o", "", "output file (default stdout)")
	platform := fs.String("platform", "", "take the profile for OS/ARCH[/VARIANT] (default: the platform-independent one)")
	pubKey := fs.String("public-key", "", "accept signatures by this public key (PEM)")
	trustedRoot := fs.String("trusted-root", "", "accept keyless signatures whose certificate this Sigstore trusted root (JSON) certifies")
	identity := fs.String("identity-regexp", "", "keyless: the signer identity must match (like the SPOD's allowedIdentityRegexp)")
	issuer := fs.String("issuer-regexp", "", "keyless: the OIDC issuer must match (like the SPOD's allowedOidcIssuerRegexp)")
	exactIdentity := fs.String("identity", "", "keyless: the signer identity must be exactly this (like the SPOD's signatureVerification.allowedIdentity)")
	exactIssuer := fs.String("issuer", "", "keyless: the OIDC issuer must be exactly this (like the SPOD's signatureVerification.allowedOidcIssuer)")
	noVerify := fs.Bool("no-verify", false, "accept the artifact without checking its signature")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	ref, err := ociartifact.ParseRef(pos[0])
	if err != nil {
		return usageError("%v", err)
	}
	policy := &ociartifact.Policy{Disabled: *noVerify, IdentityRegexp: *identity, IssuerRegexp: *issuer,
		Identity: *exactIdentity, Issuer: *exactIssuer}
	if *pubKey != "" {
		if policy.PublicKeyPEM, err = os.ReadFile(*pubKey); err != nil {
			return err
		}
	}
	if *trustedRoot != "" {
		if policy.TrustedRootJSON, err = os.ReadFile(*trustedRoot); err != nil {
			return err
		}
	}
	if !*noVerify && *pubKey == "" && *trustedRoot == "" {
		return usageError("pull verifies the signature: give --public-key or --trusted-root, or --no-verify")
	}
	var pl *ocispec.Platform
	if *platform != "" {
		if pl, err = ociartifact.ParsePlatform(*platform); err != nil {
			return usageError("%v", err)
		}
	}
	rem, err := reg.remote(ref, os.Stdin)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	pulled, err := ociartifact.Pull(ctx, rem, ref, pl, policy)
	if err != nil {
		var e *ociartifact.Error
		if errors.As(err, &e) {
			return fmt.Errorf("%s: %w", e.Reason, err)
		}
		return err
	}
	fmt.Fprintf(os.Stderr, "spoc: pulled %s (%s), signature: %s\n", pulled.Ref, pulled.Layer, pulled.Verification)
	return writeOutput(*out, pulled.Data)
}
