package ociartifact

import (
	"context"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// DockerCredentials reads registry credentials the way docker, podman
// (with DOCKER_CONFIG) and oras do: $DOCKER_CONFIG/config.json, else
// ~/.docker/config.json, including its credential helpers. A missing file
// means anonymous access, and so does a credential helper that fails (for
// one, not installed where the daemon runs): a broken entry for one
// registry must not break the public registries that need none. A
// registry that does need credentials then answers 401, which is what the
// error reports.
func DockerCredentials() (auth.CredentialFunc, error) {
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, err
	}
	cred := credentials.Credential(store)
	return func(ctx context.Context, hostport string) (auth.Credential, error) {
		c, err := cred(ctx, hostport)
		if err != nil {
			return auth.EmptyCredential, nil //nolint:nilerr // anonymous is the fallback, see above
		}
		return c, nil
	}, nil
}

// StaticCredentials uses one username and password (or, with an empty
// username, an identity token) for registry host.
func StaticCredentials(host, username, password string) auth.CredentialFunc {
	cred := auth.Credential{Username: username, Password: password}
	if username == "" {
		cred = auth.Credential{RefreshToken: password}
	}
	return auth.StaticCredential(host, cred)
}

// Where the node daemon finds the trust material the SPOD's
// spec.security.signatureVerification names: the manager mounts the
// Secret's and the ConfigMap's keys there (a projected volume), so daemons
// need no permission to read Secrets.
const (
	TrustDir        = "/etc/spo/oci-trust"
	PublicKeyFile   = "public-key.pem"
	TrustedRootFile = "trusted-root.json"
)
