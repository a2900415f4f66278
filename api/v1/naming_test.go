package v1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestNamesStayValid(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := map[string]struct {
		kind, profile, node string
		wantStatus          string
	}{
		"keeps a SeccompProfile's report name as SPO names it": {"SeccompProfile", "web", "node-1", "web-node-1"},
		"names the kind of other profiles, so equal names do not share a report": {
			"AppArmorProfile", "web", "node-1", "web-node-1-apparmorprofile"},
		"cuts and hashes names that would pass 253 bytes": {"SelinuxProfile", long, long, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := NodeStatusName(tc.kind, tc.profile, tc.node)
			if tc.wantStatus != "" && got != tc.wantStatus {
				t.Errorf("NodeStatusName = %q, want %q", got, tc.wantStatus)
			}
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Errorf("NodeStatusName %q is not a valid name: %v", got, errs)
			}
			fin := NodeFinalizer(tc.node)
			if errs := validation.IsQualifiedName(fin); len(errs) > 0 {
				t.Errorf("NodeFinalizer %q is not a qualified name: %v", fin, errs)
			}
		})
	}
}

func TestLabelValuesStayValid(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := map[string]struct {
		got, want string
	}{
		"writes SPO's profile id for a short name":  {ProfileID("SeccompProfile", "web"), "SeccompProfile-web"},
		"cuts and hashes a profile id past 63":      {ProfileID("SelinuxProfile", long), ""},
		"keeps a short node name":                   {LabelValue("node-1"), "node-1"},
		"cuts and hashes a node name past 63":       {LabelValue(long + ".example.com"), ""},
		"ends a cut value with a letter or a digit": {LabelValue(strings.Repeat("a", 52) + ".b" + long), ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.want != "" && tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
			if errs := validation.IsValidLabelValue(tc.got); len(errs) > 0 {
				t.Errorf("%q is not a valid label value: %v", tc.got, errs)
			}
		})
	}
}

func TestLongNamesDoNotCollide(t *testing.T) {
	a := NodeFinalizer(strings.Repeat("n", 70) + "-a")
	b := NodeFinalizer(strings.Repeat("n", 70) + "-b")
	if a == b {
		t.Fatalf("two nodes share the finalizer %q", a)
	}
}

func TestStatesOrderFromErrorToInstalled(t *testing.T) {
	order := []ProfileState{ProfileStateError, ProfileStateTerminating, ProfileStatePartial,
		ProfileStateDisabled, ProfileStatePending, ProfileStateInProgress, ProfileStateInstalled}
	for i := 0; i+1 < len(order); i++ {
		if !order[i].Lower(order[i+1]) || order[i+1].Lower(order[i]) {
			t.Errorf("%s should rank below %s", order[i], order[i+1])
		}
	}
}
