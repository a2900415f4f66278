package selinux

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

type allowMap = map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet

func profile(name string, allow allowMap, inherit ...v1.PolicyRef) *v1.SelinuxProfile {
	return &v1.SelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       v1.SelinuxProfileSpec{Inherit: inherit, Allow: allow},
	}
}

func system(name string) v1.PolicyRef { return v1.PolicyRef{Kind: v1.PolicyRefSystem, Name: name} }
func parent(name string) v1.PolicyRef {
	return v1.PolicyRef{Kind: v1.PolicyRefSelinuxProfile, Name: name}
}

// getter serves profiles from a fixed set, NotFound for others.
func getter(ps ...*v1.SelinuxProfile) Getter {
	return func(name string) (*v1.SelinuxProfile, error) {
		for _, p := range ps {
			if p.Name == name {
				return p, nil
			}
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "selinuxprofiles"}, name)
	}
}

// wantError checks err is a *nodeinstall.Error with reason and field, and
// that its message contains every one of words.
func wantError(t *testing.T, err error, reason, field string, words ...string) {
	t.Helper()
	var e *nodeinstall.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want *nodeinstall.Error %s", err, err, reason)
	}
	if e.Reason != reason || e.Field != field {
		t.Fatalf("got reason %q field %q (%v), want %q %q", e.Reason, e.Field, err, reason, field)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q lacks %q", e.Message, w)
		}
	}
}
