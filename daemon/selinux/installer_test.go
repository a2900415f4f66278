package selinux

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
	"github.com/secprofiles/spo/test/selinuxd"
)

type testNode struct {
	dir      string
	client   *Client
	settings v1.SelinuxConfig
	profiles map[string]*v1.SelinuxProfile
	raws     map[string]*v1.RawSelinuxProfile
}

// startNode runs the selinuxd stand-in on a fresh directory and socket.
func startNode(t *testing.T) *testNode {
	t.Helper()
	secilc := selinuxd.RequireSecilc(t)
	// A short path: Unix socket paths are limited to 108 bytes.
	tmp, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	socket := filepath.Join(tmp, "selinuxd.sock")
	dir := filepath.Join(tmp, "selinux.d")
	srv, err := selinuxd.Start(dir, socket, secilc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &testNode{dir: dir, client: NewClient(socket),
		settings: v1.SelinuxConfig{Enable: true, EnableRawSelinuxProfiles: ptr.To(true)},
		profiles: map[string]*v1.SelinuxProfile{}, raws: map[string]*v1.RawSelinuxProfile{}}
}

func (n *testNode) config() Config {
	return Config{
		PolicyDir: n.dir,
		Selinuxd:  n.client,
		Settings:  func(context.Context) (v1.SelinuxConfig, error) { return n.settings, nil },
		GetProfile: func(_ context.Context, name string) (*v1.SelinuxProfile, error) {
			return getter(slices.Collect(maps.Values(n.profiles))...)(name)
		},
		GetRawProfile: func(_ context.Context, name string) (*v1.RawSelinuxProfile, error) {
			if p, ok := n.raws[name]; ok {
				return p, nil
			}
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "rawselinuxprofiles"}, name)
		},
		Supported:    func() (bool, string) { return true, "" },
		PollInterval: 10 * time.Millisecond,
		Timeout:      10 * time.Second,
		Settle:       300 * time.Millisecond,
	}
}

func TestInstallAndRemove(t *testing.T) {
	n := startNode(t)
	inst := NewProfileInstaller(n.config())
	ctx := context.Background()
	p := profile("web", allowMap{"http_port_t": {"tcp_socket": {"name_bind"}}})

	got, err := inst.Install(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if got != (nodeinstall.Installed{Location: "web.process", Changed: true}) {
		t.Fatalf("Install = %+v", got)
	}
	if inst.Location(p) != "web.process" {
		t.Fatalf("Location = %q", inst.Location(p))
	}
	if got, err := inst.Install(ctx, p); err != nil || got.Changed {
		t.Fatalf("second Install = %+v, %v; want unchanged", got, err)
	}

	removed, err := inst.Remove(ctx, p)
	if err != nil || !removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
	if _, err := os.Stat(filepath.Join(n.dir, "web.cil")); !os.IsNotExist(err) {
		t.Fatalf("module file still there: %v", err)
	}
	names, err := n.client.List(ctx)
	if err != nil || slices.Contains(names, "web") {
		t.Fatalf("selinuxd still lists web: %v %v", names, err)
	}
	if removed, err := inst.Remove(ctx, p); err != nil || removed {
		t.Fatalf("second Remove = %v, %v; want false", removed, err)
	}
}

func TestInstallInheritsInstalledProfile(t *testing.T) {
	n := startNode(t)
	inst := NewProfileInstaller(n.config())
	ctx := context.Background()
	base := profile("base-web", allowMap{"var_log_t": {"dir": {"open", "read"}}})
	child := profile("web", allowMap{"@self": {"tcp_socket": {"listen"}}}, parent("base-web"))
	n.profiles["base-web"] = base
	for _, p := range []*v1.SelinuxProfile{base, child} {
		if _, err := inst.Install(ctx, p); err != nil {
			t.Fatalf("installing %s: %v", p.Name, err)
		}
	}
}

// TestInstallAfterParent: selinuxd refuses a child installed before its
// parent and, going by checksums, never looks at the unchanged file
// again; installing the child once the parent is there must still work.
func TestInstallAfterParent(t *testing.T) {
	n := startNode(t)
	inst := NewProfileInstaller(n.config())
	ctx := context.Background()
	base := profile("base-web", allowMap{"var_log_t": {"dir": {"open"}}})
	child := profile("web", nil, parent("base-web"))
	n.profiles["base-web"] = base
	_, err := inst.Install(ctx, child)
	wantError(t, err, ReasonCannotSavePolicy, "", "web")
	if _, err := inst.Install(ctx, base); err != nil {
		t.Fatal(err)
	}
	if got, err := inst.Install(ctx, child); err != nil || !got.Changed {
		t.Fatalf("child after parent: %+v, %v", got, err)
	}
}

// TestInstallUpdate: selinuxd's status of a rewritten module is stale
// until it has processed the file; the verdict must be on the new content.
func TestInstallUpdate(t *testing.T) {
	n := startNode(t)
	inst := NewProfileInstaller(n.config())
	ctx := context.Background()
	p := profile("web", allowMap{"node_t": {"tcp_socket": {"name_bind"}}})
	if _, err := inst.Install(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Spec.Allow["nosuch_t"] = map[v1.ObjectClassKey]v1.PermissionSet{"file": {"read"}}
	_, err := inst.Install(ctx, p)
	wantError(t, err, ReasonCannotSavePolicy, "", "web")
	delete(p.Spec.Allow, "nosuch_t")
	p.Spec.Allow["http_port_t"] = map[v1.ObjectClassKey]v1.PermissionSet{"tcp_socket": {"name_bind"}}
	if got, err := inst.Install(ctx, p); err != nil || !got.Changed {
		t.Fatalf("fixed profile: %+v, %v", got, err)
	}
	data, err := os.ReadFile(filepath.Join(n.dir, "web.cil"))
	if err != nil || string(data) != string(Render("web", &p.Spec)) {
		t.Fatalf("module file %q, %v", data, err)
	}
}

func TestInstallFailedBySelinuxd(t *testing.T) {
	n := startNode(t)
	inst := NewProfileInstaller(n.config())
	// Valid syntax, but the node's policy has no such type.
	p := profile("broken", allowMap{"nosuch_t": {"file": {"read"}}})
	_, err := inst.Install(context.Background(), p)
	wantError(t, err, ReasonCannotSavePolicy, "", "broken", "Failed to resolve allow statement")
	if e := new(nodeinstall.Error); errors.As(err, &e) && e.Retry {
		t.Fatal("a module selinuxd refuses is the profile's fault, not to be retried")
	}
}

func TestInstallRaw(t *testing.T) {
	n := startNode(t)
	inst := NewRawInstaller(n.config())
	ctx := context.Background()
	p := raw("logger", "(blockinherit container)\n(allow process var_log_t (dir (open read)))")
	got, err := inst.Install(ctx, p)
	if err != nil || got.Location != "logger.process" {
		t.Fatalf("Install = %+v, %v", got, err)
	}
	if removed, err := inst.Remove(ctx, p); err != nil || !removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
	n.settings.EnableRawSelinuxProfiles = ptr.To(false)
	_, err = inst.Install(ctx, p)
	wantError(t, err, ReasonRawDisabledInOperator, "", "enableRawSelinuxProfiles")
}

func TestInstallRefusals(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	t.Run("operator switch off", func(t *testing.T) {
		n := *n
		n.settings.Enable = false
		_, err := NewProfileInstaller(n.config()).Install(ctx, profile("web", nil))
		wantError(t, err, ReasonDisabledInOperator, "", "selinux.enable")
	})
	t.Run("invalid profile writes nothing", func(t *testing.T) {
		_, err := NewProfileInstaller(n.config()).Install(ctx,
			profile("web", allowMap{"@self": {"security": {"load_policy"}}}))
		wantError(t, err, ReasonPermissionNotAllowed, "spec.allow.@self.security[0]")
		if _, err := os.Stat(filepath.Join(n.dir, "web.cil")); !os.IsNotExist(err) {
			t.Fatalf("module file written for a refused profile: %v", err)
		}
	})
	t.Run("selinuxd unreachable is retried", func(t *testing.T) {
		cfg := n.config()
		cfg.Selinuxd = NewClient(filepath.Join(n.dir, "nobody.sock"))
		cfg.Timeout = 100 * time.Millisecond
		_, err := NewProfileInstaller(cfg).Install(ctx, profile("web", nil))
		var e *nodeinstall.Error
		if !errors.As(err, &e) || e.Reason != ReasonCannotContactSelinuxd || !e.Retry {
			t.Fatalf("got %#v, want a retried %s", err, ReasonCannotContactSelinuxd)
		}
	})
}

// TestInstallOnThisNode uses the real node check: these machines run no
// SELinux, so Install must say so rather than write a module nobody loads.
func TestInstallOnThisNode(t *testing.T) {
	if ok, _ := SELinuxSupported(); ok {
		t.Skip("this node runs SELinux")
	}
	n := startNode(t)
	cfg := n.config()
	cfg.Supported = nil
	for _, install := range []func() error{
		func() error {
			_, err := NewProfileInstaller(cfg).Install(context.Background(), profile("web", nil))
			return err
		},
		func() error {
			_, err := NewRawInstaller(cfg).Install(context.Background(), raw("web", "(blockinherit container)"))
			return err
		},
	} {
		wantError(t, install(), ReasonNotSupportedOnNode, "", "SELinux is not enabled on this node")
	}
	if entries, _ := os.ReadDir(n.dir); len(entries) != 0 {
		t.Fatalf("files written on a node without SELinux: %v", entries)
	}
}
