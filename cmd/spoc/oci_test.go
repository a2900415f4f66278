package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

// TestPushPull runs the commands as a user types them against an
// in-process registry: push signed, pull verified, per platform.
func TestPushPull(t *testing.T) {
	host := ocitest.StartRegistry(t, nil)
	dir := t.TempDir()
	priv, pub := ocitest.NewKey(t)
	_, otherPub := ocitest.NewKey(t)
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	key, pubPath, otherPubPath := write("key.pem", priv), write("key.pub", pub), write("other.pub", otherPub)
	base, err := os.ReadFile("testdata/base-runc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	arm := write("arm.yaml", []byte(strings.Replace(string(base), "name: ", "name: arm-", 1)))
	ref := "oci://" + host + "/profiles/runc:v1"

	if err := runPush([]string{"--plain-http", "--sign-key", key, "--platform-file", "linux/arm64=" + arm, "testdata/base-runc.yaml", ref}); err != nil {
		t.Fatalf("push: %v", err)
	}
	for platform, want := range map[string]string{"": string(base), "linux/arm64": strings.Replace(string(base), "name: ", "name: arm-", 1)} {
		out := filepath.Join(dir, "pulled.yaml")
		args := []string{"--plain-http", "--public-key", pubPath, "-o", out, ref}
		if platform != "" {
			args = append([]string{"--platform", platform}, args...)
		}
		if err := runPull(args); err != nil {
			t.Fatalf("pull %s: %v", platform, err)
		}
		if got, _ := os.ReadFile(out); string(got) != want {
			t.Errorf("pull %s gave\n%s\nwant\n%s", platform, got, want)
		}
	}

	err = runPull([]string{"--plain-http", "--public-key", otherPubPath, "-o", filepath.Join(dir, "x"), ref})
	if err == nil || !strings.Contains(err.Error(), ociartifact.ReasonSignatureInvalid) {
		t.Errorf("pull verified with another key: %v, want %s", err, ociartifact.ReasonSignatureInvalid)
	}
	if err := runPull([]string{"--plain-http", ref}); !errors.Is(err, errUsage) {
		t.Errorf("pull without a way to verify: %v, want a usage error", err)
	}
	if err := runPush([]string{"--plain-http", write("bad.yaml", []byte("kind: Pod\n")), ref}); err == nil {
		t.Error("pushed a file that is no seccomp profile")
	}
	if err := runPush([]string{"--plain-http", "testdata/base-runc.yaml", "ghcr.io/org/x:v1"}); !errors.Is(err, errUsage) {
		t.Errorf("push to a reference without oci://: %v, want a usage error", err)
	}

	cosignKey, cosignPub := ocitest.NewCosignKey(t, "hunter2")
	cosignKeyPath, cosignPubPath := write("cosign.key", cosignKey), write("cosign.pub", cosignPub)
	cosignRef := "oci://" + host + "/profiles/cosign-signed:v1"
	t.Setenv("COSIGN_PASSWORD", "wrong")
	if err := runPush([]string{"--plain-http", "--sign-key", cosignKeyPath, "testdata/base-runc.yaml", cosignRef}); err == nil || !strings.Contains(err.Error(), "wrong password") {
		t.Errorf("push with a cosign key and the wrong password: %v", err)
	}
	t.Setenv("COSIGN_PASSWORD", "hunter2")
	if err := runPush([]string{"--plain-http", "--sign-key", cosignKeyPath, "testdata/base-runc.yaml", cosignRef}); err != nil {
		t.Fatalf("push signed with a cosign key: %v", err)
	}
	if err := runPull([]string{"--plain-http", "--public-key", cosignPubPath, "-o", filepath.Join(dir, "c.yaml"), cosignRef}); err != nil {
		t.Errorf("pull verified with cosign.pub: %v", err)
	}

	apparmor := write("aa.yaml", []byte("apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\nmetadata:\n  name: aa\nspec: {}\n"))
	if err := runPush([]string{"--plain-http", apparmor, "oci://" + host + "/profiles/aa:v1"}); err != nil {
		t.Errorf("push of an AppArmorProfile: %v", err)
	}
}

// TestPushPullKeyless signs keylessly through the tests' Fulcio stand-in
// and verifies the signature against a trusted root file and the signer
// regexps, as the daemon does with the SPOD's settings.
func TestPushPullKeyless(t *testing.T) {
	host := ocitest.StartRegistry(t, nil)
	ca := ocitest.NewCA(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(root, ca.TrustedRoot(t), 0o600); err != nil {
		t.Fatal(err)
	}
	ref, err := ociartifact.ParseRef("oci://" + host + "/profiles/runc:v1")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/base-runc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	token := ocitest.IDToken("https://github.com/example/profiles/.github/workflows/release.yaml@refs/heads/main", "https://token.actions.githubusercontent.com")
	if err := runPush([]string{"--plain-http", "--fulcio-url", ocitest.StartFulcio(t, ca), "--identity-token", token, "testdata/base-runc.yaml", ref.String()}); err != nil {
		t.Fatalf("keyless push: %v", err)
	}
	out := filepath.Join(dir, "out.yaml")
	ok := []string{"--plain-http", "--trusted-root", root, "--identity-regexp", `^https://github\.com/example/`, "--issuer-regexp", `^https://token\.actions\.githubusercontent\.com$`, "-o", out, ref.String()}
	if err := runPull(ok); err != nil {
		t.Fatalf("pull: %v", err)
	}
	if got, _ := os.ReadFile(out); string(got) != string(data) {
		t.Errorf("pulled %q", got)
	}
	if err := runPull([]string{"--plain-http", "--trusted-root", root, "--identity", "https://github.com/example/profiles/.github/workflows/release.yaml@refs/heads/main",
		"--issuer", "https://token.actions.githubusercontent.com", "-o", out, ref.String()}); err != nil {
		t.Errorf("pull with the exact identity and issuer: %v", err)
	}
	err = runPull([]string{"--plain-http", "--trusted-root", root, "--identity-regexp", `^https://github\.com/mallory/`, "-o", out, ref.String()})
	if err == nil || !strings.Contains(err.Error(), "allowedIdentityRegexp") {
		t.Errorf("pull with another identity allowed: %v", err)
	}
}
