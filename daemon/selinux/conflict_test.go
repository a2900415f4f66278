package selinux

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/daemon/nodeinstall"
)

func TestOwnsModule(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(time.Second))
	tests := []struct {
		name        string
		mine, other claim
		want        bool
	}{
		{"the SelinuxProfile created first owns the module", claim{kindProfile, t0}, claim{kindRaw, t1}, true},
		{"the RawSelinuxProfile created first owns the module", claim{kindRaw, t0}, claim{kindProfile, t1}, true},
		{"a SelinuxProfile created second does not", claim{kindProfile, t1}, claim{kindRaw, t0}, false},
		{"a RawSelinuxProfile created second does not", claim{kindRaw, t1}, claim{kindProfile, t0}, false},
		{"in the same second the SelinuxProfile owns it", claim{kindProfile, t0}, claim{kindRaw, t0}, true},
		{"in the same second the RawSelinuxProfile does not", claim{kindRaw, t0}, claim{kindProfile, t0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ownsModule(tt.mine, tt.other); got != tt.want {
				t.Fatalf("ownsModule = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSameNameKindsDoNotOverwrite: a RawSelinuxProfile created after a
// SelinuxProfile of the same name neither replaces nor removes its module,
// and says which object has it; once that object is gone it installs.
func TestSameNameKindsDoNotOverwrite(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	profiles, raws := NewProfileInstaller(n.config()), NewRawInstaller(n.config())
	older := profile("web", allowMap{"http_port_t": {"tcp_socket": {"name_bind"}}})
	older.CreationTimestamp = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	newer := raw("web", "(blockinherit container)\n(allow process var_log_t (dir (open read)))")
	newer.CreationTimestamp = metav1.NewTime(older.CreationTimestamp.Add(time.Minute))
	n.profiles["web"], n.raws["web"] = older, newer

	if _, err := profiles.Install(ctx, older); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(n.dir, "web.cil")
	want, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raws.Install(ctx, newer)
	wantError(t, err, ReasonModuleNameConflict, "metadata.name", "SelinuxProfile web owns SELinux module web", "rename this RawSelinuxProfile")
	if e := new(nodeinstall.Error); !errors.As(err, &e) || !e.Retry {
		t.Fatalf("want a retried error, so the loser installs once the owner is gone: %#v", err)
	}
	if removed, err := raws.Remove(ctx, newer); err != nil || removed {
		t.Fatalf("Remove of the loser = %v, %v; want nothing removed", removed, err)
	}
	if got, err := os.ReadFile(module); err != nil || string(got) != string(want) {
		t.Fatalf("the owner's module changed: %v\n%s", err, got)
	}
	// The owner still installs (and is not refused by the newer object).
	if _, err := profiles.Install(ctx, older); err != nil {
		t.Fatal(err)
	}

	delete(n.profiles, "web")
	if removed, err := profiles.Remove(ctx, older); err != nil || !removed {
		t.Fatalf("Remove of the owner = %v, %v", removed, err)
	}
	if got, err := raws.Install(ctx, newer); err != nil || got.Location != "web.process" {
		t.Fatalf("Install once the owner is gone = %+v, %v", got, err)
	}
}

// TestInheritingALosingParent: a SelinuxProfile whose parent lost its
// name to an older RawSelinuxProfile is refused, naming both: on the node
// block <parent> is the raw one's.
func TestInheritingALosingParent(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rawBase := raw("base", "(blockinherit container)\n(allow process var_log_t (dir (open read)))")
	rawBase.CreationTimestamp = t0
	base := profile("base", allowMap{"http_port_t": {"tcp_socket": {"name_bind"}}})
	base.CreationTimestamp = metav1.NewTime(t0.Add(time.Minute))
	child := profile("child", nil, parent("base"))
	n.raws["base"], n.profiles["base"], n.profiles["child"] = rawBase, base, child

	_, err := NewProfileInstaller(n.config()).Install(ctx, child)
	wantError(t, err, ReasonModuleNameConflict, "spec.inherit", "inherited SelinuxProfile base", "RawSelinuxProfile base owns")
}
