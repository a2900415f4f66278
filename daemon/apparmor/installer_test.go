package apparmor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// fakeParser records calls and answers with err.
type fakeParser struct {
	calls []string
	err   error
}

func (f *fakeParser) Replace(_ context.Context, name string, policy []byte) error {
	f.calls = append(f.calls, "replace "+name+" "+fmt.Sprint(len(policy)))
	return f.err
}

func (f *fakeParser) Remove(_ context.Context, name string) error {
	f.calls = append(f.calls, "remove "+name)
	return f.err
}

// compileParser is the real apparmor_parser with -QK instead of -r, so the
// whole Installer runs against it on machines without AppArmor.
type compileParser struct{ ExecParser }

func (c compileParser) Replace(ctx context.Context, _ string, policy []byte) error {
	return c.Compile(ctx, policy)
}

func supportedNode() (bool, string) { return true, "" }

// newTestInstaller has a kernel that lists only the given profiles.
func newTestInstaller(t *testing.T, p Parser, kernel ...string) *Installer {
	list := filepath.Join(t.TempDir(), "profiles")
	var text strings.Builder
	for _, name := range kernel {
		text.WriteString(name + " (enforce)\n")
	}
	if err := os.WriteFile(list, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Installer{Parser: p, StateDir: t.TempDir(), Supported: supportedNode, KernelProfiles: list}
}

var webAbstract = v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/etc/nginx/**")}}

func TestInstallReportsChangesOnly(t *testing.T) {
	fake := &fakeParser{}
	in := newTestInstaller(t, fake)
	ctx := context.Background()
	p := profile("web", v1.AppArmorEnforce, webAbstract)

	steps := []struct {
		mode        v1.AppArmorMode
		wantChanged bool
	}{{v1.AppArmorEnforce, true}, {v1.AppArmorEnforce, false}, {v1.AppArmorComplain, true}}
	for i, s := range steps {
		p.Spec.Mode = s.mode
		got, err := in.Install(ctx, p)
		if err != nil {
			t.Fatalf("install %d: %v", i, err)
		}
		if got != (nodeinstall.Installed{Location: "web", Changed: s.wantChanged}) {
			t.Fatalf("install %d = %+v, want Changed %v", i, got, s.wantChanged)
		}
	}
	// Replace runs every time: after a reboot the kernel has forgotten
	// what the state directory remembers.
	if len(fake.calls) != 3 || !strings.HasPrefix(fake.calls[2], "replace web ") {
		t.Fatalf("calls = %q", fake.calls)
	}
	want, _ := Translate(p)
	if got, _ := in.Loaded("web"); string(got) != string(want) {
		t.Fatalf("state holds\n%s\nwant\n%s", got, want)
	}

	// A restarted daemon (new Installer, same directory) knows the text.
	again := &Installer{Parser: fake, StateDir: in.StateDir, Supported: supportedNode}
	if got, err := again.Install(ctx, p); err != nil || got.Changed {
		t.Fatalf("install after restart = %+v, %v; want unchanged", got, err)
	}
}

func TestInstallFailures(t *testing.T) {
	ctx := context.Background()
	web := profile("web", v1.AppArmorEnforce, webAbstract)
	tests := map[string]struct {
		in         func(t *testing.T, fake *fakeParser) *Installer
		p          *v1.AppArmorProfile
		wantReason string // "" means a plain (retried) error
		wantRetry  bool
		wantCalls  int
	}{
		"parser refuses the text": {
			in: func(t *testing.T, f *fakeParser) *Installer {
				f.err = fmt.Errorf("%w: at line 3: syntax error", ErrInvalidPolicy)
				return newTestInstaller(t, f)
			},
			p: web, wantReason: ReasonInvalidPolicy, wantCalls: 1,
		},
		"kernel refuses the load": {
			in: func(t *testing.T, f *fakeParser) *Installer {
				f.err = errors.New("apparmor_parser -r -K: exit status 1: Permission denied")
				return newTestInstaller(t, f)
			},
			p: web, wantReason: ReasonCannotLoad, wantRetry: true, wantCalls: 1,
		},
		"state directory unusable": {
			in: func(t *testing.T, f *fakeParser) *Installer {
				in := newTestInstaller(t, f)
				in.StateDir = filepath.Join(in.StateDir, "a-file")
				if err := os.WriteFile(in.StateDir, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return in
			},
			// The claim is written before the load, so nothing is loaded.
			p: web, wantReason: ReasonWriteFailed, wantRetry: true, wantCalls: 0,
		},
		"invalid abstract never reaches the parser": {
			in:         func(t *testing.T, f *fakeParser) *Installer { return newTestInstaller(t, f) },
			p:          profile("web", "", v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("etc")}}),
			wantReason: ReasonInvalidPath,
		},
		"operator has AppArmor off": {
			in: func(t *testing.T, f *fakeParser) *Installer {
				in := newTestInstaller(t, f)
				in.Enabled = func(context.Context) (bool, error) { return false, nil }
				return in
			},
			p: web, wantReason: ReasonDisabledInOperator,
		},
		"reading the operator's switch fails": {
			in: func(t *testing.T, f *fakeParser) *Installer {
				in := newTestInstaller(t, f)
				in.Enabled = func(context.Context) (bool, error) { return false, errors.New("cache not synced") }
				return in
			},
			p: web,
		},
		"node without AppArmor": {
			in: func(t *testing.T, f *fakeParser) *Installer {
				in := newTestInstaller(t, f)
				in.Supported = func() (bool, string) { return false, "no AppArmor here" }
				return in
			},
			p: web, wantReason: ReasonNotSupportedOnNode,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			fake := &fakeParser{}
			in := tt.in(t, fake)
			_, err := in.Install(ctx, tt.p)
			var e *nodeinstall.Error
			switch {
			case err == nil:
				t.Fatal("Install succeeded")
			case tt.wantReason == "" && errors.As(err, &e):
				t.Fatalf("Install = %v, want a plain error", err)
			case tt.wantReason != "" && (!errors.As(err, &e) || e.Reason != tt.wantReason || e.Retry != tt.wantRetry):
				t.Fatalf("Install = %#v, want %s (Retry %v)", err, tt.wantReason, tt.wantRetry)
			}
			if len(fake.calls) != tt.wantCalls {
				t.Fatalf("parser calls = %q", fake.calls)
			}
			if old, _ := in.Loaded("web"); old != nil {
				t.Fatal("a failed install was recorded as loaded")
			}
		})
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	fake := &fakeParser{}
	in := newTestInstaller(t, fake)
	p := profile("web", v1.AppArmorEnforce, webAbstract)
	if _, err := in.Install(ctx, p); err != nil {
		t.Fatal(err)
	}
	if removed, err := in.Remove(ctx, p); err != nil || !removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
	if _, err := os.Stat(filepath.Join(in.StateDir, "web.apparmor")); !os.IsNotExist(err) {
		t.Fatalf("state file left behind: %v", err)
	}

	// Nothing recorded: nothing of spo's to unload, the kernel is not asked.
	if removed, err := in.Remove(ctx, p); err != nil || removed {
		t.Fatalf("Remove of a profile spo no longer records = %v, %v; want false, nil", removed, err)
	}
	if got := fake.calls; len(got) != 2 {
		t.Fatalf("calls = %q, want no unload without a record", got)
	}

	if _, err := in.Install(ctx, p); err != nil {
		t.Fatal(err)
	}
	fake.err = fmt.Errorf("%w: Profile doesn't exist", ErrNotLoaded)
	if removed, err := in.Remove(ctx, p); err != nil || removed {
		t.Fatalf("Remove of an unloaded profile = %v, %v; want false, nil", removed, err)
	}
	fake.err = nil
	if _, err := in.Install(ctx, p); err != nil {
		t.Fatal(err)
	}
	fake.err = errors.New("Permission denied")
	if _, err := in.Remove(ctx, p); err == nil || ReasonOf(err) != ReasonUnknown {
		t.Fatalf("Remove = %v, want a retryable error", err)
	}

	// Turning AppArmor off in the operator must not strand loaded profiles.
	fake.err = nil
	in.Enabled = func(context.Context) (bool, error) { return false, nil }
	if removed, err := in.Remove(ctx, p); err != nil || !removed {
		t.Fatalf("Remove with AppArmor off in the operator = %v, %v", removed, err)
	}
}

// TestInstallerOnThisHost is the real path on these machines: no AppArmor
// in the kernel, so Install refuses and Remove has nothing to do.
func TestInstallerOnThisHost(t *testing.T) {
	if ok, _ := Supported(); ok {
		t.Skip("this machine runs AppArmor")
	}
	ctx := context.Background()
	in := &Installer{Parser: testParser(t), StateDir: t.TempDir()}
	p := profile("web", v1.AppArmorEnforce, webAbstract)
	_, err := in.Install(ctx, p)
	var e *nodeinstall.Error
	if !errors.As(err, &e) || e.Reason != ReasonNotSupportedOnNode || !strings.Contains(e.Message, "no AppArmor") {
		t.Fatalf("Install = %v, want %s", err, ReasonNotSupportedOnNode)
	}
	if removed, err := in.Remove(ctx, p); err != nil || removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
}

// TestInstallerWithRealParser drives Install through apparmor_parser -QK:
// a valid profile compiles, and text the validator lets through but the
// parser refuses (an undeclared variable) becomes ReasonInvalidPolicy.
func TestInstallerWithRealParser(t *testing.T) {
	in := newTestInstaller(t, compileParser{testParser(t)})
	ctx := context.Background()
	if got, err := in.Install(ctx, profile("web", v1.AppArmorEnforce, validCases["every list"])); err != nil || !got.Changed {
		t.Fatalf("Install = %+v, %v", got, err)
	}
	bad := profile("bad", v1.AppArmorEnforce,
		v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: paths("/data/@{nope}/x")}})
	_, err := in.Install(ctx, bad)
	var e *nodeinstall.Error
	if !errors.As(err, &e) || e.Reason != ReasonInvalidPolicy || !strings.Contains(e.Message, "nope") {
		t.Fatalf("Install = %v, want %s naming the variable", err, ReasonInvalidPolicy)
	}
}
