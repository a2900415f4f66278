package apparmor

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// validCases are accepted by Validate; render_test compiles each with the
// real apparmor_parser.
var validCases = map[string]v1.AppArmorAbstract{
	"empty abstract": {},
	"every list": {
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/usr/sbin/nginx"), AllowedLibraries: paths("/usr/lib/**")},
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/etc/nginx/**"), WriteOnlyPaths: paths("/var/log/nginx/*.log"),
			ReadWritePaths: paths("/run/nginx.pid")},
		Network:    &v1.AppArmorNetworkRules{AllowRaw: ptr(false), Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: ptr(true), AllowUDP: ptr(true)}},
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"net_bind_service", "setuid", "checkpoint_restore"}},
	},
	"globs, alternatives, variables and escapes": {
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/etc/{passwd,group}", "/proc/@{pid}/status", `/data/a\*b`,
			"/srv/[abc]*/x", "/", "/opt/my app/lib", "/tmp/a#b")},
	},
	"executable also read-only": {
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/bin/sh")},
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/bin/sh")},
	},
	"raw sockets only": {Network: &v1.AppArmorNetworkRules{AllowRaw: ptr(true)}},
}

func TestValidateAccepts(t *testing.T) {
	for name, a := range validCases {
		t.Run(name, func(t *testing.T) {
			if err := Validate("web-1.x", &v1.AppArmorProfileSpec{Abstract: a}); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestValidateRefuses(t *testing.T) {
	ro := func(p ...string) v1.AppArmorAbstract {
		return v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths(p...)}}
	}
	tests := map[string]struct {
		name       string
		abstract   v1.AppArmorAbstract
		wantReason string
		wantField  string
		wantMsg    string
	}{
		"relative path": {abstract: ro("/etc", "/a", "etc/passwd"), wantReason: ReasonInvalidPath,
			wantField: "spec.abstract.filesystem.readOnlyPaths[2]", wantMsg: `"etc/passwd" is not an absolute path`},
		"empty path": {abstract: ro(""), wantReason: ReasonInvalidPath,
			wantField: "spec.abstract.filesystem.readOnlyPaths[0]", wantMsg: "not an absolute path"},
		"newline injection": {abstract: ro("/etc/passwd\n  /** rwix"), wantReason: ReasonInvalidPath,
			wantField: "spec.abstract.filesystem.readOnlyPaths[0]", wantMsg: "control character (byte 0xa)"},
		"comma injection": {abstract: ro("/etc/passwd r, /** rwix"), wantReason: ReasonInvalidPath,
			wantField: "spec.abstract.filesystem.readOnlyPaths[0]", wantMsg: "',' outside {a,b}"},
		"closing the profile": {abstract: ro("/x }"), wantReason: ReasonInvalidPath,
			wantField: "spec.abstract.filesystem.readOnlyPaths[0]", wantMsg: "'}' without '{'"},
		"unclosed brace":     {abstract: ro("/x/{a,b"), wantReason: ReasonInvalidPath, wantMsg: "'{' without '}'"},
		"nested braces":      {abstract: ro("/x/{a,{b,c}}"), wantReason: ReasonInvalidPath, wantMsg: "nests"},
		"quote":              {abstract: ro(`/x" rwix, "/y`), wantReason: ReasonInvalidPath, wantMsg: `contains '"'`},
		"trailing backslash": {abstract: ro(`/x\`), wantReason: ReasonInvalidPath, wantMsg: `ends with '\'`},
		"NUL":                {abstract: ro("/x\x00"), wantReason: ReasonInvalidPath, wantMsg: "control character (byte 0x0)"},
		"too long":           {abstract: ro("/" + strings.Repeat("a", 4096)), wantReason: ReasonInvalidPath, wantMsg: "4097 characters"},
		"bad executable": {abstract: v1.AppArmorAbstract{Executable: &v1.AppArmorExecutablesRules{AllowedLibraries: paths("lib.so")}},
			wantReason: ReasonInvalidPath, wantField: "spec.abstract.executable.allowedLibraries[0]"},
		"path in two filesystem lists": {
			abstract:   v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/a", "/b"), ReadWritePaths: paths("/b")}},
			wantReason: ReasonConflictingPath, wantField: "spec.abstract.filesystem.readWritePaths[0]",
			wantMsg: `"/b" is already listed in spec.abstract.filesystem.readOnlyPaths[1]`},
		"write-only executable": {
			abstract: v1.AppArmorAbstract{Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: paths("/bin/x")},
				Filesystem: &v1.AppArmorFsRules{WriteOnlyPaths: paths("/bin/x")}},
			wantReason: ReasonConflictingPath, wantField: "spec.abstract.filesystem.writeOnlyPaths[0]",
			wantMsg: "spec.abstract.executable.allowedExecutables[0] needs to read it"},
		"duplicate in one list": {abstract: ro("/a", "/a"), wantReason: ReasonConflictingPath,
			wantField: "spec.abstract.filesystem.readOnlyPaths[1]", wantMsg: "listed twice"},
		"unknown capability": {
			abstract:   v1.AppArmorAbstract{Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "CAP_SYS_ADMIN"}}},
			wantReason: ReasonInvalidCapability, wantField: "spec.abstract.capability.allowedCapabilities[1]",
			wantMsg: `unknown capability "CAP_SYS_ADMIN"`},
		"duplicate capability": {
			abstract:   v1.AppArmorAbstract{Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "chown"}}},
			wantReason: ReasonInvalidCapability, wantField: "spec.abstract.capability.allowedCapabilities[1]", wantMsg: "twice"},
		"name with a space":     {name: "a b", wantReason: ReasonInvalidName, wantField: "metadata.name", wantMsg: "not a DNS subdomain"},
		"name ending in a dash": {name: "a-", wantReason: ReasonInvalidName, wantField: "metadata.name"},
		"empty name":            {name: "-", wantReason: ReasonInvalidName},
	}
	for desc, tt := range tests {
		t.Run(desc, func(t *testing.T) {
			name := tt.name
			if name == "" {
				name = "p"
			}
			err := Validate(name, &v1.AppArmorProfileSpec{Abstract: tt.abstract})
			var e *nodeinstall.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v, want a *nodeinstall.Error", err)
			}
			if e.Reason != tt.wantReason || (tt.wantField != "" && e.Field != tt.wantField) || !strings.Contains(e.Message, tt.wantMsg) {
				t.Fatalf("Validate = {%s %s %q}, want {%s %s ...%q...}", e.Reason, e.Field, e.Message, tt.wantReason, tt.wantField, tt.wantMsg)
			}
			if ReasonOf(err) != tt.wantReason {
				t.Fatalf("ReasonOf = %s", ReasonOf(err))
			}
		})
	}
}

func TestEmptyNameRefused(t *testing.T) {
	if ReasonOf(Validate("", &v1.AppArmorProfileSpec{})) != ReasonInvalidName {
		t.Fatal("an empty name passed")
	}
}
