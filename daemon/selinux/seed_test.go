package selinux

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/selinux/policies"
	"github.com/secprofiles/spo/test/selinuxd"
)

// The shipped modules compile against the stub base policy, which
// declares every type they refer to under its real name, and secilc
// disables none of their optional blocks: a misspelt type would
// silently switch a block off on every node.
func TestSeedCompilesWithEveryOptionalEnabled(t *testing.T) {
	secilc := selinuxd.RequireSecilc(t)
	out, err := selinuxd.CompileVerbose(secilc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "Disabling optional") {
		t.Fatalf("secilc disabled optional blocks of the shipped modules:\n%s", out)
	}
	// And the check itself works: a block on a type the base lacks is
	// reported.
	out, err = selinuxd.CompileVerbose(secilc, []byte("(block probe (blockinherit container)\n(optional probe_missing (allow process no_such_t (file (read)))))\n"))
	if err != nil || !strings.Contains(out, "Disabling optional") {
		t.Fatalf("secilc -vvv did not report a disabled optional (err %v):\n%s", err, out)
	}
}

// A SelinuxProfile inheriting any one of the templates, rendered by
// Translate, compiles once the seed is loaded; so does one inheriting
// all of them at once, with a rule on its own type.
func TestProfilesInheritingEachTemplateCompile(t *testing.T) {
	secilc := selinuxd.RequireSecilc(t)
	opts := Options{AllowedSystemProfiles: policies.Templates()}
	var all []v1.PolicyRef
	for _, tmpl := range policies.Templates() {
		refs := []v1.PolicyRef{system(tmpl)}
		if tmpl != DefaultSystemProfile {
			// udica's modules inherit the base block with each extra one.
			refs = []v1.PolicyRef{system(DefaultSystemProfile), system(tmpl)}
		}
		all = append(all, system(tmpl))
		p := profile("uses-"+strings.ReplaceAll(tmpl, "_", "-"), allowMap{"@self": {"file": {"read"}}}, refs...)
		cil, err := Translate(p, opts, getter())
		if err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		if err := selinuxd.Compile(secilc, cil); err != nil {
			t.Errorf("a profile inheriting %s does not compile: %v\n%s", tmpl, err, cil)
		}
	}
	cil, err := Translate(profile("uses-all", allowMap{"var_log_t": {"file": {"read"}}}, all...), opts, getter())
	if err != nil {
		t.Fatal(err)
	}
	if err := selinuxd.Compile(secilc, cil); err != nil {
		t.Errorf("a profile inheriting every template does not compile: %v\n%s", err, cil)
	}
	// The recording domain is a permissive container domain.
	rec := policies.Modules()[len(policies.Modules())-1]
	if rec.Name != policies.Recording || !strings.Contains(string(rec.CIL), "(typepermissive process)") ||
		!strings.Contains(string(rec.CIL), "(blockinherit container)") {
		t.Errorf("%s.cil is not a permissive container domain:\n%s", rec.Name, rec.CIL)
	}
}

func TestProfileNamesOfSeedModulesAreRefused(t *testing.T) {
	for sentence, name := range map[string]string{
		"a profile named like the recording domain would replace it": policies.Recording,
		"a profile named container would redeclare the base block":   "container",
	} {
		_, err := Translate(profile(name, nil), Options{}, getter())
		wantError(t, err, ReasonInvalidName, "metadata.name", name, "spo installs")
		_, err = TranslateRaw(&v1.RawSelinuxProfile{ObjectMeta: profile(name, nil).ObjectMeta}, Options{})
		if ReasonOf(err) != ReasonInvalidName {
			t.Errorf("%s (raw): got %v", sentence, err)
		}
	}
}

// The seed installs through selinuxd (the stand-in, which compiles each
// module as semodule would load it, in whatever order it finds them):
// every module ends up Installed, a second Ensure rewrites nothing, a
// module file that went missing or was altered is put back, and a module
// selinuxd refuses fails Ensure with the module named.
func TestSeedInstallsThroughSelinuxd(t *testing.T) {
	n := startNode(t)
	cfg := n.config()
	cfg.Settle = 200 * time.Millisecond
	seed := NewSeed(cfg)
	ctx := context.Background()
	if err := seed.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	names, err := n.client.List(ctx)
	if err != nil || len(names) != len(policies.Blocks) {
		t.Fatalf("selinuxd has %v (%v), want the %d seed modules", names, err, len(policies.Blocks))
	}
	for _, m := range policies.Modules() {
		if st, err := n.client.Status(ctx, m.Name); err != nil || st == nil || st.Status != StateInstalled {
			t.Errorf("%s: %+v %v", m.Name, st, err)
		}
	}

	path := filepath.Join(n.dir, "net_container.cil")
	before, _ := os.Stat(path)
	if err := seed.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(before.ModTime()) || !os.SameFile(before, after) {
		t.Error("a second Ensure rewrote an unchanged module")
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(n.dir, "tty_container.cil"), []byte("(block tty_container (blockabstract tty_container))\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { st, _ := n.client.Status(ctx, "net_container"); return st == nil })
	if err := seed.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"net_container", "tty_container"} {
		got, _ := os.ReadFile(filepath.Join(n.dir, name+".cil"))
		if want := moduleCIL(name); string(got) != string(want) {
			t.Errorf("%s was not put back:\n%s", name, got)
		}
	}
}

func TestSeedFailureNamesTheModuleAndIsRetriedLater(t *testing.T) {
	n := startNode(t)
	cfg := n.config()
	cfg.Timeout = 5 * time.Second
	// selinuxd refuses base_container while another module holds its block.
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	squatter := "(block container (type process) (roletype system_r process))\n"
	if err := os.WriteFile(filepath.Join(n.dir, "squatter.cil"), []byte(squatter), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { st, _ := n.client.Status(context.Background(), "squatter"); return st != nil })
	seed := NewSeed(cfg)
	err := seed.Ensure(context.Background())
	wantError(t, err, ReasonSeedNotInstalled, "", "base_container", "selinuxd could not install")
	// Within the backoff the same error comes back without a new try.
	os.Remove(filepath.Join(n.dir, "squatter.cil"))
	if again := seed.Ensure(context.Background()); again != err {
		t.Fatalf("second Ensure within the backoff: %v, want the first error again", again)
	}
	waitFor(t, func() bool { st, _ := n.client.Status(context.Background(), "squatter"); return st == nil })
	seed.Retry()
	if err := seed.Ensure(context.Background()); err != nil {
		t.Fatalf("after the cause went: %v", err)
	}
}

// A profile installs only after the seed: on a fresh node its Install
// brings the templates it inherits along.
func TestProfileInstallBringsTheSeed(t *testing.T) {
	n := startNode(t)
	n.settings.Options = &v1.SelinuxOptions{AllowedSystemProfiles: []string{"net_container"}}
	p := profile("web", allowMap{"@self": {"tcp_socket": {"listen"}}}, system("container"), system("net_container"))
	if _, err := NewProfileInstaller(n.config()).Install(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"base_container", "net_container", policies.Recording, "web"} {
		if st, _ := n.client.Status(context.Background(), name); st == nil || st.Status != StateInstalled {
			t.Errorf("%s: %+v", name, st)
		}
	}
}

func moduleCIL(name string) []byte {
	for _, m := range policies.Modules() {
		if m.Name == name {
			return m.CIL
		}
	}
	return nil
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
