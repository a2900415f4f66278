package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
)

// TestRecordAllWritesSeccompAndAppArmorProfiles records a shell that reads
// a file, writes one and lists a directory: -t all writes both manifests in
// one file, and the AppArmor one names what it did.
func TestRecordAllWritesSeccompAndAppArmorProfiles(t *testing.T) {
	requireRecorder(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "sh.yaml")
	written := filepath.Join(dir, "written")
	if got, code := spoc(t, "record", "-t", "all", "-o", out, "--", "/bin/sh", "-c",
		"cat /etc/hostname >/dev/null; echo hi >"+written+"; ls /etc >/dev/null"); code != 0 {
		t.Fatalf("record -t all: exit %d: %s", code, got)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "---\n")
	if len(docs) != 2 {
		t.Fatalf("want a SeccompProfile and an AppArmorProfile, got %d documents:\n%s", len(docs), data)
	}
	var sp v1.SeccompProfile
	var ap v1.AppArmorProfile
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &sp); err != nil || sp.Kind != "SeccompProfile" || len(sp.Spec.Syscalls) == 0 {
		t.Fatalf("first document: %v, kind %q:\n%s", err, sp.Kind, docs[0])
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &ap); err != nil || ap.Kind != "AppArmorProfile" {
		t.Fatalf("second document: %v, kind %q:\n%s", err, ap.Kind, docs[1])
	}
	a := ap.Spec.Abstract
	// Both the name exec'd and the file the kernel loaded (/bin/sh is a
	// symlink on most systems), which is what AppArmor mediates.
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/bin/sh", sh, "/usr/bin/cat", "/usr/bin/ls"} {
		if !slices.Contains(a.Executable.AllowedExecutables, v1.AppArmorPath(want)) {
			t.Errorf("executables %v lack %s", a.Executable.AllowedExecutables, want)
		}
	}
	if !slices.ContainsFunc(a.Executable.AllowedLibraries, func(p v1.AppArmorPath) bool { return strings.Contains(string(p), "libc.so") }) {
		t.Errorf("libraries %v lack libc", a.Executable.AllowedLibraries)
	}
	if a.Filesystem == nil {
		t.Fatalf("no filesystem rules:\n%s", docs[1])
	}
	for _, want := range []string{"/etc/hostname", "/etc/"} {
		if !slices.Contains(a.Filesystem.ReadOnlyPaths, v1.AppArmorPath(want)) {
			t.Errorf("read-only paths %v lack %s", a.Filesystem.ReadOnlyPaths, want)
		}
	}
	if !slices.Contains(a.Filesystem.WriteOnlyPaths, v1.AppArmorPath(written)) {
		t.Errorf("write-only paths %v lack %s", a.Filesystem.WriteOnlyPaths, written)
	}
}

// TestRecordRawAppArmorCompiles: -t raw-apparmor writes the policy text
// the node would load, and the real apparmor_parser compiles it.
func TestRecordRawAppArmorCompiles(t *testing.T) {
	requireRecorder(t)
	out := filepath.Join(t.TempDir(), "policy")
	if got, code := spoc(t, "record", "-t", "raw-apparmor", "--name", "recorded", "-o", out, "--",
		"/bin/sh", "-c", "cat /etc/hostname"); code != 0 {
		t.Fatalf("record -t raw-apparmor: exit %d: %s", code, got)
	}
	policy, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(policy), "profile recorded ") || !strings.Contains(string(policy), "/etc/hostname r,") {
		t.Errorf("policy lacks the profile or the file read:\n%s", policy)
	}
	compile(t, policy)
}

func TestRecordRefusesAnUnknownType(t *testing.T) {
	got, code := spoc(t, "record", "-t", "selinux", "-o", filepath.Join(t.TempDir(), "x"), "--", "/bin/true")
	if code != 2 || !strings.Contains(got, "-t must be one of seccomp, raw-seccomp, apparmor, raw-apparmor, all") {
		t.Errorf("exit %d, want 2 naming the types: %s", code, got)
	}
}
