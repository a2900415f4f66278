package apparmor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

func TestMayLoad(t *testing.T) {
	kernel := map[string]bool{"docker-default": true, "admin-web": true, "web": true}
	for name, tt := range map[string]struct {
		profile string
		ours    bool
		reason  string
	}{
		"loads a new name":                                       {"fresh", false, ""},
		"replaces a profile spo loaded":                          {"web", true, ""},
		"refuses a kernel profile spo did not load":              {"admin-web", false, ReasonNotOwned},
		"refuses docker-default even with a record":              {"docker-default", true, ReasonReservedName},
		"refuses crio-default before it is loaded":               {"crio-default", false, ReasonReservedName},
		"refuses containerd's profile":                           {"cri-containerd.apparmor.d", false, ReasonReservedName},
		"refuses unconfined, which would confine every workload": {"unconfined", false, ReasonReservedName},
	} {
		t.Run(name, func(t *testing.T) {
			err := MayLoad(tt.profile, tt.ours, kernel)
			if got := reasonOrEmpty(err); got != tt.reason {
				t.Fatalf("MayLoad = %v, want reason %q", err, tt.reason)
			}
			if err != nil && !strings.Contains(err.Error(), "metadata.name") {
				t.Errorf("error %q does not name metadata.name", err)
			}
		})
	}
}

func reasonOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return ReasonOf(err)
}

func TestParseKernelProfiles(t *testing.T) {
	got, err := ParseKernelProfiles([]byte("docker-default (enforce)\n/usr/bin/man (complain)\nodd name (x) (enforce)\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"docker-default", "/usr/bin/man", "odd name (x)"} {
		if !got[name] {
			t.Errorf("%q missing from %v", name, got)
		}
	}
	for _, bad := range []string{"no-mode\n", "(enforce)\n", "x (enforce\n"} {
		if _, err := ParseKernelProfiles([]byte(bad)); err == nil {
			t.Errorf("ParseKernelProfiles(%q) succeeded, want an error", bad)
		}
	}
}

func FuzzParseKernelProfiles(f *testing.F) {
	for _, s := range []string{"docker-default (enforce)\n", "a (b) (c)\n", "", "x\n", " (y)"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		names, err := ParseKernelProfiles(data)
		if err != nil {
			return
		}
		for name := range names {
			if name == "" || strings.Contains(name, "\n") {
				t.Fatalf("parsed name %q from %q", name, data)
			}
		}
	})
}

// A kernel profile spo did not load is neither replaced nor unloaded, and
// the runtime's profiles are refused before the parser runs.
func TestInstallerLeavesProfilesItDidNotLoadAlone(t *testing.T) {
	ctx := context.Background()
	fake := &fakeParser{}
	in := newTestInstaller(t, fake, "docker-default", "admin-web")
	for _, tt := range []struct{ name, reason string }{
		{"admin-web", ReasonNotOwned}, {"docker-default", ReasonReservedName}, {"unconfined", ReasonReservedName},
	} {
		_, err := in.Install(ctx, profile(tt.name, v1.AppArmorEnforce, webAbstract))
		var e *nodeinstall.Error
		if !errors.As(err, &e) || e.Reason != tt.reason || e.Retry {
			t.Errorf("Install(%s) = %v, want a final %s", tt.name, err, tt.reason)
		}
		if removed, err := in.Remove(ctx, profile(tt.name, v1.AppArmorEnforce, webAbstract)); err != nil || removed {
			t.Errorf("Remove(%s) = %v, %v; want nothing removed", tt.name, removed, err)
		}
	}
	if len(fake.calls) != 0 {
		t.Errorf("parser calls = %q, want none", fake.calls)
	}
	if entries, _ := os.ReadDir(in.StateDir); len(entries) != 0 {
		t.Errorf("state directory holds %d entries, want none", len(entries))
	}
}

// A load that succeeded but whose record could not be written stays spo's:
// the claim written before the load keeps the retry from refusing it.
func TestInstallerClaimsBeforeLoading(t *testing.T) {
	ctx := context.Background()
	fake := &fakeParser{}
	in := newTestInstaller(t, fake)
	p := profile("web", v1.AppArmorEnforce, webAbstract)
	fake.err = errors.New("kernel busy")
	if _, err := in.Install(ctx, p); ReasonOf(err) != ReasonCannotLoad {
		t.Fatalf("Install = %v, want %s", err, ReasonCannotLoad)
	}
	// The kernel now lists it (say the load went through after all).
	if err := os.WriteFile(in.KernelProfiles, []byte("web (enforce)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fake.err = nil
	if got, err := in.Install(ctx, p); err != nil || !got.Changed {
		t.Fatalf("Install after the claim = %+v, %v; want it loaded and changed", got, err)
	}
}

// The refusals come before apparmor_parser: with the real parser (-QK, no
// kernel here) a reserved name is refused and a valid one compiles.
func TestInstallerOwnershipWithRealParser(t *testing.T) {
	in := newTestInstaller(t, compileParser{testParser(t)}, "admin-web")
	ctx := context.Background()
	if _, err := in.Install(ctx, profile("admin-web", v1.AppArmorEnforce, webAbstract)); ReasonOf(err) != ReasonNotOwned {
		t.Fatalf("Install(admin-web) = %v, want %s", err, ReasonNotOwned)
	}
	if got, err := in.Install(ctx, profile("web", v1.AppArmorEnforce, webAbstract)); err != nil || !got.Changed {
		t.Fatalf("Install(web) = %+v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(in.StateDir, "web.apparmor")); err != nil {
		t.Fatal(err)
	}
}
