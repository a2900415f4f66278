package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secprofiles/spo/test/selinuxd"
)

// These run the built spoc on files, for each kind: the exit status and
// output users see, and the merged result compiled by the real tools.

const aaHead = "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\n"

const aaWeb = aaHead + `metadata: {name: web}
spec:
  abstract:
    executable: {allowedExecutables: [/usr/sbin/nginx], allowedLibraries: ["/usr/lib/x86_64-linux-gnu/*.so*"]}
    filesystem: {readOnlyPaths: ["/etc/nginx/**", /etc/hosts], readWritePaths: [/var/log/nginx/access.log]}
    network: {allowedProtocols: {allowTcp: true}}
`

const aaWorker = aaHead + `metadata: {name: worker}
spec:
  abstract:
    filesystem: {writeOnlyPaths: [/etc/hosts, /var/log/nginx/access.log], readOnlyPaths: [/etc/x]}
    network: {allowRaw: false, allowedProtocols: {allowUdp: true}}
    capability: {allowedCapabilities: [net_raw]}
`

const seHead = "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SelinuxProfile\n"

const seWeb = seHead + `metadata: {name: web}
spec:
  allow:
    "@self": {tcp_socket: [listen]}
    http_port_t: {tcp_socket: [name_bind]}
`

const seLogs = seHead + `metadata: {name: logs}
spec:
  inherit: [{name: container}]
  allow:
    "@self": {tcp_socket: [accept]}
    var_log_t: {dir: [open, read, search]}
`

// files writes name → content into a new directory and returns the paths
// in the order given.
func files(t *testing.T, nameContent ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := 0; i < len(nameContent); i += 2 {
		paths = append(paths, writeFile(t, dir, nameContent[i], nameContent[i+1]))
	}
	return paths
}

func TestMergeAppArmorCLI(t *testing.T) {
	in := files(t, "web.yaml", aaWeb, "worker.yaml", aaWorker)
	out := filepath.Join(filepath.Dir(in[0]), "merged.yaml")
	if got, code := spoc(t, "merge", in[0], in[1], "-o", out); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, got)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: AppArmorProfile", "name: merged", "- net_raw", "allowTcp: true", "allowUdp: true", "allowRaw: false"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("merged profile lacks %q:\n%s", want, data)
		}
	}
	// Read in one file and written in the other: read-write, not a conflict.
	if !strings.Contains(string(data), "readWritePaths:\n      - /etc/hosts\n      - /var/log/nginx/access.log\n") {
		t.Errorf("paths read and written are not read-write:\n%s", data)
	}
	policy, err := convertAppArmor(data)
	if err != nil {
		t.Fatal(err)
	}
	compile(t, policy)

	if got, code := spoc(t, "merge", "--check", out, in[0], in[1]); code != 0 || got != "merged.yaml covers web.yaml worker.yaml\n" {
		t.Errorf("check of the union: exit %d, output %q", code, got)
	}
	got, code := spoc(t, "merge", "-c", in[0], in[1])
	for _, want := range []string{
		"web.yaml does not cover worker.yaml\n",
		"missing in web.yaml for worker.yaml: filesystem.readOnlyPaths [/etc/x]\n",
		"missing in web.yaml for worker.yaml: filesystem.writeOnlyPaths [/etc/hosts]\n",
		"missing in web.yaml for worker.yaml: network.allowedProtocols.allowUdp\n",
		"missing in web.yaml for worker.yaml: capability.allowedCapabilities [net_raw]",
	} {
		if code != 1 || !strings.Contains(got, want) {
			t.Errorf("check: exit %d, output %q; want exit 1 and %q", code, got, want)
		}
	}
	if strings.Contains(got, "access.log") {
		t.Errorf("a read-write path was reported as not covering a write-only one: %s", got)
	}
}

func TestMergeSelinuxCLI(t *testing.T) {
	in := files(t, "web.yaml", seWeb, "logs.yaml", seLogs)
	got, code := spoc(t, "merge", in[0], in[1], "--name", "webandlogs")
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, got)
	}
	want := seHead + `metadata:
  name: webandlogs
spec:
  allow:
    '@self':
      tcp_socket:
      - accept
      - listen
    http_port_t:
      tcp_socket:
      - name_bind
    var_log_t:
      dir:
      - open
      - read
      - search
`
	if got != want {
		t.Fatalf("merged:\n%s\nwant:\n%s", got, want)
	}
	cil, err := convertSelinux([]byte(got), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := selinuxd.Compile(selinuxd.RequireSecilc(t), cil); err != nil {
		t.Fatalf("merged module does not compile: %v\n%s", err, cil)
	}
	merged := writeFile(t, filepath.Dir(in[0]), "merged.yaml", got)
	if out, code := spoc(t, "merge", "--check", merged, in[0], in[1]); code != 0 || out != "merged.yaml covers web.yaml logs.yaml\n" {
		t.Errorf("check of the union: exit %d, output %q", code, out)
	}
	out, code := spoc(t, "merge", "--check", in[0], in[1])
	if code != 1 || !strings.Contains(out, "missing in web.yaml for logs.yaml: allow @self tcp_socket [accept]\n") ||
		!strings.Contains(out, "missing in web.yaml for logs.yaml: allow var_log_t dir [open read search]") {
		t.Errorf("check: exit %d, output %q", code, out)
	}
}

func TestMergeSeccompCheckCLI(t *testing.T) {
	a, b := testdata("recorded-a.yaml"), testdata("recorded-b.json")
	out, code := spoc(t, "merge", "-c", a, b)
	if code != 1 || !strings.Contains(out, "missing in recorded-a.yaml for recorded-b.json: syscalls [close openat]") {
		t.Errorf("check: exit %d, output %q", code, out)
	}
	if out, code := spoc(t, "merge", "-c", testdata("merged.golden.yaml"), a, b); code != 0 || out != "merged.golden.yaml covers recorded-a.yaml recorded-b.json\n" {
		t.Errorf("check of the union: exit %d, output %q", code, out)
	}
	if out, code := spoc(t, "merge", "-c", a, a); code != 0 || out != "recorded-a.yaml covers recorded-a.yaml\n" {
		t.Errorf("a profile does not cover itself: exit %d, output %q", code, out)
	}
}

func TestMergeRefusesCLI(t *testing.T) {
	in := files(t, "web.yaml", aaWeb, "sel.yaml", seWeb, "raw.yaml", readExample(t, "rawselinuxprofile.yaml"),
		"complain.yaml", strings.Replace(aaWorker, "spec:\n", "spec:\n  mode: Complain\n", 1),
		"perm.yaml", strings.Replace(seLogs, "spec:\n", "spec:\n  mode: Permissive\n", 1),
		"inherit.yaml", strings.Replace(seLogs, "name: container", "name: net_container", 1))
	a := testdata("recorded-a.yaml")
	tests := map[string]struct {
		args []string
		code int
		want string
	}{
		"mixed kinds are an error naming the files": {[]string{in[0], a, in[1]}, 1,
			"cannot merge profiles of different kinds: AppArmorProfile (web.yaml); SeccompProfile (recorded-a.yaml); SelinuxProfile (sel.yaml)"},
		"a RawSelinuxProfile cannot be merged":     {[]string{in[2], in[1]}, 1, `raw.yaml: kind is "RawSelinuxProfile"`},
		"AppArmor modes must agree":                {[]string{in[0], in[3]}, 1, "modes differ: web.yaml is Enforce, complain.yaml is Complain"},
		"SELinux modes must agree":                 {[]string{in[1], in[4]}, 1, "modes differ: sel.yaml is Enforcing, perm.yaml is Permissive"},
		"SELinux inherit lists must agree":         {[]string{in[1], in[5]}, 1, "inherit lists differ: sel.yaml has [System/container], inherit.yaml has [System/net_container]"},
		"--check needs two profiles":               {[]string{"-c", in[0]}, 2, "needs the profile to check and at least one other"},
		"--check writes nothing, so -o is refused": {[]string{"--check", in[0], in[0], "-o", "x.yaml"}, 2, "-o and --name do not apply"},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			out, code := spoc(t, append([]string{"merge"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out, tc.code, tc.want)
			}
		})
	}
}
