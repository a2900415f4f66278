package ociartifact_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

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
	private := ocitest.StartRegistry(t, ocitest.BasicAuth("robot", "s3cret"))
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
