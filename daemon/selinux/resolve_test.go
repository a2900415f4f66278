package selinux

import (
	"errors"
	"fmt"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestResolve(t *testing.T) {
	// a -> b -> d, a -> c -> d: a diamond, d listed once.
	a := profile("a", nil, parent("b"), parent("c"))
	b := profile("b", nil, parent("d"))
	c := profile("c", nil, system("container"), parent("d"))
	d := profile("d", nil)
	got, err := Resolve(a, getter(b, c, d))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	if fmt.Sprint(names) != "[b d c]" {
		t.Fatalf("ancestors %v, want [b d c]", names)
	}
}

func TestResolveRefuses(t *testing.T) {
	t.Run("cycle", func(t *testing.T) {
		a := profile("a", nil, parent("b"))
		b := profile("b", nil, parent("a"))
		_, err := Resolve(a, getter(b))
		wantError(t, err, ReasonInheritCycle, "spec.inherit[0].name", "a -> b -> a")
	})
	t.Run("self", func(t *testing.T) {
		a := profile("a", nil, system("container"), parent("a"))
		_, err := Resolve(a, getter())
		wantError(t, err, ReasonInheritCycle, "spec.inherit[1].name", "a -> a")
	})
	t.Run("too deep", func(t *testing.T) {
		var ps []*v1.SelinuxProfile
		for i := 0; i < MaxChainLength+1; i++ {
			ps = append(ps, profile(fmt.Sprintf("p%d", i), nil, parent(fmt.Sprintf("p%d", i+1))))
		}
		ps[MaxChainLength].Spec.Inherit = nil
		_, err := Resolve(ps[0], getter(ps...))
		wantError(t, err, ReasonInheritTooDeep, "spec.inherit[0].name", "longer than 15")
		// One shorter is fine.
		if _, err := Resolve(ps[1], getter(ps...)); err != nil {
			t.Fatalf("chain of %d: %v", MaxChainLength, err)
		}
	})
	t.Run("getter failure is transient", func(t *testing.T) {
		boom := errors.New("apiserver down")
		_, err := Resolve(profile("a", nil, parent("b")), func(string) (*v1.SelinuxProfile, error) { return nil, boom })
		if !errors.Is(err, boom) || ReasonOf(err) != ReasonUnknown {
			t.Fatalf("got %v", err)
		}
	})
}

func TestBuildsOn(t *testing.T) {
	p := profile("a", nil, system("container"), parent("b"), parent("c"))
	if got := fmt.Sprint(BuildsOn(p)); got != "[b c]" {
		t.Fatalf("BuildsOn = %s", got)
	}
}
