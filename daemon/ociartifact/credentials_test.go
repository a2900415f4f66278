package ociartifact_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

// requireBasicAuth puts HTTP basic authentication in front of the registry,
// as a private registry has it.
func requireBasicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func writeDockerConfig(t *testing.T, content string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestDockerCredentials(t *testing.T) {
	ctx := context.Background()
	private := ocitest.StartRegistry(t, requireBasicAuth("robot", "s3cret"))
	public := ocitest.StartRegistry(t, nil)
	roundTrip := func(host string) error {
		cred, err := DockerCredentials()
		if err != nil {
			t.Fatal(err)
		}
		remote := Remote{PlainHTTP: true, Credential: cred}
		ref := mustRef(t, "oci://"+host+"/profiles/base:v1")
		if _, err := Push(ctx, remote, ref, []Profile{{Data: []byte(profileYAML)}}, nil); err != nil {
			return err
		}
		_, err = Pull(ctx, remote, ref, nil, &Policy{Disabled: true})
		return err
	}

	t.Run("the docker config's auth entry logs in", func(t *testing.T) {
		auth := base64.StdEncoding.EncodeToString([]byte("robot:s3cret"))
		writeDockerConfig(t, `{"auths":{"`+private+`":{"auth":"`+auth+`"}}}`)
		if err := roundTrip(private); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("without credentials a private registry is refused, and the error says so", func(t *testing.T) {
		writeDockerConfig(t, `{}`)
		err := roundTrip(private)
		if err == nil || ReasonOf(err) != ReasonPullFailed || !strings.Contains(err.Error(), "credential not found") {
			t.Fatalf("got %v, want %s saying no credential was found", err, ReasonPullFailed)
		}
	})
	t.Run("a credential helper that is not installed leaves public registries working", func(t *testing.T) {
		writeDockerConfig(t, `{"credHelpers":{"`+public+`":"spo-test-no-such-helper"}}`)
		if err := roundTrip(public); err != nil {
			t.Fatal(err)
		}
	})
}
