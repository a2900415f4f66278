package ociartifact

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// Where the node daemon finds the Secrets the SPOD's
// spec.security.ociArtifactPullSecrets names: the manager projects each
// Secret's .dockerconfigjson to PullSecretsDir/<name>/DockerConfigFile, so
// the daemon reads registry credentials without permission to read
// Secrets, in the format docker, podman and the kubelet share.
const (
	PullSecretsDir   = "/etc/spo/oci-pull-secrets"
	DockerConfigFile = "config.json"
	// DockerConfigJSONKey is the key of a kubernetes.io/dockerconfigjson
	// Secret that holds the config.
	DockerConfigJSONKey = ".dockerconfigjson"
	// PullSecretsField is the SPOD field, for messages.
	PullSecretsField = "spec.security.ociArtifactPullSecrets"
)

// PullSecrets are registry credentials from docker config files, one per
// Secret, in the SPOD's order: for a registry host the first Secret with
// an entry for it wins, as a pod's imagePullSecrets do for the kubelet.
// The files are read on every lookup: the kubelet updates a projected
// Secret in place, so a rotated password is used without a restart, and
// pulls are rare (they are cached by digest).
type PullSecrets struct {
	// Dir holds <name>/config.json for each Secret (PullSecretsDir).
	Dir string
	// Names are the Secrets, in the SPOD's order.
	Names []string
	// Namespace of the Secrets, for messages.
	Namespace string
	// Fallback, when set, is asked for a host no Secret has an entry for
	// (the daemon's own docker config).
	Fallback auth.CredentialFunc
}

// lookup is where a host's credentials came from: the Secret's name, or
// "" for none (or the fallback's); problems are the Secrets that could not
// be read, so that a refusal can say why they were not used.
type lookup struct {
	cred     auth.Credential
	secret   string
	problems []string
}

func (p PullSecrets) lookup(ctx context.Context, hostport string) lookup {
	var l lookup
	addr := credentials.ServerAddressFromHostname(hostport)
	for _, name := range p.Names {
		cred, err := p.read(ctx, name, addr)
		switch {
		case err != nil:
			l.problems = append(l.problems, err.Error())
		case cred != auth.EmptyCredential:
			l.cred, l.secret = cred, name
			return l
		}
	}
	return l
}

// read returns the credential Secret name holds for addr, or
// EmptyCredential when it has no entry for it.
func (p PullSecrets) read(ctx context.Context, name, addr string) (auth.Credential, error) {
	path := filepath.Join(p.Dir, name, DockerConfigFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return auth.EmptyCredential, fmt.Errorf("Secret %s/%s is not mounted (missing, without key %s, or not yet projected)", p.Namespace, name, DockerConfigJSONKey)
	}
	// FileStore reads only the auths entries: a credsStore or credHelpers
	// in a Secret never makes the daemon run a program.
	store, err := credentials.NewFileStore(path)
	if err != nil {
		return auth.EmptyCredential, fmt.Errorf("Secret %s/%s: %w", p.Namespace, name, redact(err))
	}
	cred, err := store.Get(ctx, addr)
	if err != nil {
		return auth.EmptyCredential, fmt.Errorf("Secret %s/%s: entry for %s: %w", p.Namespace, name, addr, redact(err))
	}
	return cred, nil
}

// redact keeps the error's kind and drops its details: a JSON decoding
// error may quote part of the file, which holds passwords.
func redact(err error) error {
	if strings.Contains(err.Error(), "invalid config format") {
		return errors.New("its " + DockerConfigJSONKey + " is not a valid docker config")
	}
	return err
}

// Credential is an auth.CredentialFunc: the first listed Secret's entry
// for hostport, else the fallback's, else anonymous. A Secret that cannot
// be read is skipped rather than failing the pull: a public registry must
// keep working, and a refusal says which Secrets were skipped (Describe).
func (p PullSecrets) Credential(ctx context.Context, hostport string) (auth.Credential, error) {
	if l := p.lookup(ctx, hostport); l.secret != "" {
		return l.cred, nil
	}
	if p.Fallback != nil {
		return p.Fallback(ctx, hostport)
	}
	return auth.EmptyCredential, nil
}

// Describe says which credentials hostport gets, for the message of a
// refused pull. It names Secrets, never their content.
func (p PullSecrets) Describe(ctx context.Context, hostport string) string {
	l := p.lookup(ctx, hostport)
	if l.secret != "" {
		return fmt.Sprintf("credentials for %s were sent, from Secret %s/%s (%s)", hostport, p.Namespace, l.secret, PullSecretsField)
	}
	if p.Fallback != nil {
		if c, err := p.Fallback(ctx, hostport); err == nil && c != auth.EmptyCredential {
			return fmt.Sprintf("credentials for %s were sent, from the daemon's docker config (no Secret of %s has an entry for it)", hostport, PullSecretsField)
		}
	}
	msg := fmt.Sprintf("no credentials for %s were sent: ", hostport)
	if len(p.Names) == 0 {
		msg += PullSecretsField + " names no Secret"
	} else {
		msg += "no Secret of " + PullSecretsField + " has an entry for it"
	}
	if len(l.problems) > 0 {
		msg += "; " + strings.Join(l.problems, "; ")
	}
	return msg
}
