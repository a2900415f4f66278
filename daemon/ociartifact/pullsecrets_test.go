package ociartifact_test

import (
	"context"
	"strings"
	"testing"

	"oras.land/oras-go/v2/registry/remote/auth"

	. "github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

// TestPullSecrets pulls, as the daemon does (resolve the tag, then pull the
// digest), from a real registry that requires basic authentication, with
// credentials projected as the kubelet projects the SPOD's
// ociArtifactPullSecrets.
func TestPullSecrets(t *testing.T) {
	const user, pass = "robot", "s3cret-pa55"
	ctx := context.Background()
	host := ocitest.StartRegistry(t, ocitest.BasicAuth(user, pass))
	ref := mustRef(t, "oci://"+host+"/profiles/base:v1")
	pusher := Remote{PlainHTTP: true, Credential: StaticCredentials(host, user, pass)}
	if _, err := Push(ctx, pusher, ref, []Profile{{Data: []byte(profileYAML)}}, nil); err != nil {
		t.Fatal(err)
	}

	right := ocitest.DockerConfigJSON(user, pass, host)
	cases := map[string]struct {
		secrets  map[string][]byte // projected files; nil data: not mounted
		names    []string
		fallback auth.CredentialFunc
		// want is "" for a successful pull, else what the error must say.
		want []string
	}{
		"a private registry refuses a pull without credentials, and the error names the host and says none were sent": {
			want: []string{"registry " + host + " refused access (HTTP 401)", "no credentials for " + host + " were sent", PullSecretsField + " names no Secret"},
		},
		"a Secret with an auths entry for the host logs in": {
			secrets: map[string][]byte{"regcred": right}, names: []string{"regcred"},
		},
		"the first Secret listed with an entry for the host is used, whatever the later ones hold": {
			secrets: map[string][]byte{
				"other-host": ocitest.DockerConfigJSON("someone", "else", "ghcr.io"),
				"regcred":    right,
				"stale":      ocitest.DockerConfigJSON(user, "old-password", host),
			},
			names: []string{"other-host", "regcred", "stale"},
		},
		"a wrong password is refused, and the error says credentials from that Secret were sent, without the password": {
			secrets: map[string][]byte{"stale": ocitest.DockerConfigJSON(user, "old-password", host), "regcred": right},
			names:   []string{"stale", "regcred"},
			want:    []string{"HTTP 401", "credentials for " + host + " were sent, from Secret spo/stale"},
		},
		"an entry keyed the legacy way (https://HOST/v1/) is found by its host": {
			secrets: map[string][]byte{"legacy": ocitest.DockerConfigJSON(user, pass, "https://"+host+"/v1/")},
			names:   []string{"legacy"},
		},
		"a Secret that is not mounted is skipped, and the refusal names it": {
			names: []string{"missing"},
			want:  []string{"no Secret of " + PullSecretsField + " has an entry for it", "Secret spo/missing is not mounted"},
		},
		"a Secret that is not a docker config is skipped, and the refusal says so without quoting it": {
			secrets: map[string][]byte{"broken": []byte(`{"auths": ` + pass)}, names: []string{"broken"},
			want: []string{"Secret spo/broken: its .dockerconfigjson is not a valid docker config"},
		},
		"a host no Secret has an entry for gets the daemon's own docker config": {
			secrets:  map[string][]byte{"other-host": ocitest.DockerConfigJSON("someone", "else", "ghcr.io")},
			names:    []string{"other-host"},
			fallback: StaticCredentials(host, user, pass),
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for secret, data := range c.secrets {
				ocitest.ProjectPullSecret(t, dir, secret, data)
			}
			ps := PullSecrets{Dir: dir, Names: c.names, Namespace: "spo", Fallback: c.fallback}
			remote := Remote{PlainHTTP: true, Credential: ps.Credential, Describe: ps.Describe}
			err := resolveAndPull(ctx, remote, ref)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || ReasonOf(err) != ReasonPullFailed {
				t.Fatalf("got %v, want %s", err, ReasonPullFailed)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
			for _, secret := range []string{pass, "old-password"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows a password:\n%v", err)
				}
			}
		})
	}
}

func resolveAndPull(ctx context.Context, remote Remote, ref Ref) error {
	pinned, err := Resolve(ctx, remote, ref)
	if err != nil {
		return err
	}
	_, err = Pull(ctx, remote, pinned, nil, &Policy{Disabled: true})
	return err
}

// TestRefusalWithoutDescribe: spoc's remotes have no Describe; a refusal
// still says whether credentials were sent.
func TestRefusalWithoutDescribe(t *testing.T) {
	ctx := context.Background()
	host := ocitest.StartRegistry(t, ocitest.BasicAuth("robot", "s3cret"))
	ref := mustRef(t, "oci://"+host+"/profiles/base:v1")
	for sentence, c := range map[string]struct {
		cred auth.CredentialFunc
		want string
	}{
		"without a credential function nothing was sent":  {nil, "no credentials for " + host + " were sent"},
		"with a wrong password the credentials were sent": {StaticCredentials(host, "robot", "wrong"), "credentials for " + host + " were sent"},
	} {
		t.Run(sentence, func(t *testing.T) {
			err := resolveAndPull(ctx, Remote{PlainHTTP: true, Credential: c.cred}, ref)
			if err == nil || !strings.Contains(err.Error(), "refused access (HTTP 401); "+c.want) {
				t.Fatalf("got %v, want it to say %q", err, c.want)
			}
		})
	}
}
