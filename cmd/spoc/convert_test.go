package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestConvertGolden converts the files in testdata and compares the output
// with the golden files byte for byte: what spoc writes is what users diff
// and commit.
func TestConvertGolden(t *testing.T) {
	tests := []struct {
		sentence, in string
		bases        []string
		name, golden string
	}{
		{"a manifest becomes OCI JSON with rules in their order", "webserver.yaml", nil, "", "webserver.golden.json"},
		{"a manifest with a base given as an extra argument is flattened, the child winning per syscall", "app-on-base.yaml", []string{"base-runc.yaml"}, "", "app-on-base.golden.json"},
		{"OCI JSON becomes a manifest named after the file", "Deny_Mkdir.json", nil, "", "deny-mkdir.golden.yaml"},
		{"OCI JSON becomes a manifest named by --name", "Deny_Mkdir.json", nil, "custom", "custom.golden.yaml"},
		{"a manifest written as JSON is a manifest", "manifest-as.json", nil, "", "manifest-as.golden.json"},
		{"converting back the OCI JSON spoc wrote gives the same manifest rules", "webserver.golden.json", nil, "webserver", "webserver-roundtrip.golden.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.sentence, func(t *testing.T) {
			got, err := convertFile(testdata(tc.in), testdataAll(tc.bases), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			golden := testdata(tc.golden)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("spoc convert %s (-golden +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		sentence string
		in       string
		bases    []string
		wantErr  string
	}{
		{"a base profile that is not given is an error saying how to give it",
			testdata("app-on-base.yaml"), nil, "pass its manifest as an extra argument"},
		{"extra arguments with OCI input are an error, since OCI has no base",
			testdata("Deny_Mkdir.json"), []string{testdata("base-runc.yaml")}, "has no base profile"},
		{"an OCI base profile is refused: base profiles are found by name",
			testdata("app-on-base.yaml"), []string{testdata("Deny_Mkdir.json")}, "must be a SeccompProfile manifest"},
		{"defaultErrnoRet cannot be expressed in a manifest",
			write("errno.json", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38}`), nil, "defaultErrnoRet has no SeccompProfile equivalent"},
		{"a misspelt field is an error rather than silently dropped",
			write("typo.json", `{"defaultAction":"SCMP_ACT_ERRNO","syscals":[]}`), nil, `unknown field "syscals"`},
		{"another kind is refused",
			write("other.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: ProfileBinding\nspec: {}\n"), nil, `kind is "ProfileBinding"`},
		{"an action libseccomp does not know is refused with its field (unknown syscall names are kept: TestConvertKeepsUnknownSyscalls)",
			write("bad.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: bad}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls: [{names: [read], action: SCMP_ACT_MAYBE}]\n"), nil, "spec.syscalls[0].action"},
		{"a file that is no profile says what it expected",
			write("x.yaml", "hello: world\n"), nil, "expected a SeccompProfile manifest"},
	}
	for _, tc := range tests {
		t.Run(tc.sentence, func(t *testing.T) {
			_, err := convertFile(tc.in, tc.bases, "")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestNameFromPath(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/profile.yaml":    "profile",
		"My_Profile.v2.json":   "my-profile.v2",
		"-odd-.yaml":           "odd",
		"dir/web server.yaml":  "web-server",
		"nginx-1.27-alpine.rs": "nginx-1.27-alpine",
	} {
		if got := nameFromPath(in); got != want {
			t.Errorf("nameFromPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func testdata(name string) string { return filepath.Join("testdata", name) }

func testdataAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = testdata(n)
	}
	return out
}

func TestConvertDispatchesByKind(t *testing.T) {
	examples := filepath.Join("..", "..", "examples")
	for _, tc := range []struct{ sentence, in, want string }{
		{"an AppArmorProfile becomes its policy text", "apparmorprofile.yaml", "profile nginx-webserver flags="},
		{"a SelinuxProfile becomes its CIL module", "selinuxprofile.yaml", "(block nginx-secure"},
		{"a RawSelinuxProfile becomes its wrapped module", "rawselinuxprofile.yaml", "(block errorlogger"},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			out, err := convertFile(filepath.Join(examples, tc.in), nil, "")
			if err != nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("convert %s = %q, %v; want output containing %q", tc.in, out, err, tc.want)
			}
		})
	}
}

// TestConvertKeepsUnknownSyscalls converts SPO's
// profile-complain-block-high-risk, which names syscalls x86_64 lacks
// (stime, vm86): runtimes skip them, so spoc converts both ways and keeps
// them, as the daemon's file does.
func TestConvertKeepsUnknownSyscalls(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "high-risk.yaml")
	err := os.WriteFile(manifest, []byte(`apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: profile-complain-block-high-risk
spec:
  defaultAction: SCMP_ACT_LOG
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
  - action: SCMP_ACT_ERRNO
    names: [acct, stime, vm86, fooo]
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	oci, err := convertFile(manifest, nil, "")
	if err != nil {
		t.Fatalf("manifest to OCI: %v", err)
	}
	for _, name := range []string{"stime", "vm86", "fooo"} {
		if !strings.Contains(string(oci), `"`+name+`"`) {
			t.Errorf("OCI JSON lost %q:\n%s", name, oci)
		}
	}
	ociPath := filepath.Join(dir, "high-risk.json")
	if err := os.WriteFile(ociPath, oci, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := convertFile(ociPath, nil, "")
	if err != nil {
		t.Fatalf("OCI to manifest: %v", err)
	}
	if !strings.Contains(string(back), "stime") {
		t.Errorf("manifest lost stime:\n%s", back)
	}
}

func TestConvertReadsSPOsV1beta1Manifests(t *testing.T) {
	// SPO's own examples are v1beta1 SeccompProfiles: spoc reads them as
	// the API server would store them, as v1.
	oci, err := convertFile(filepath.Join("..", "..", "test", "fixtures", "spo-examples", "baseprofile-runc.yaml"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names []string `json:"names"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(oci, &got); err != nil {
		t.Fatalf("%v:\n%s", err, oci)
	}
	if got.DefaultAction != "SCMP_ACT_ERRNO" || len(got.Syscalls) == 0 || !slices.Contains(got.Syscalls[0].Names, "capget") {
		t.Errorf("OCI profile of runc's base profile = %s", oci)
	}

	dir := t.TempDir()
	unknown := filepath.Join(dir, "v1alpha9.yaml")
	if err := os.WriteFile(unknown, []byte("apiVersion: security-profiles-operator.x-k8s.io/v1alpha9\nkind: SeccompProfile\nspec: {defaultAction: SCMP_ACT_LOG}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := convertFile(unknown, nil, ""); err == nil || !strings.Contains(err.Error(), "v1beta1") {
		t.Errorf("an unknown version: error %v, want one naming the versions spoc reads", err)
	}
}
