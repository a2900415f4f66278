package selinux

import (
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestOptionsDenied(t *testing.T) {
	spod := OptionsFrom(v1.SelinuxConfig{Options: &v1.SelinuxOptions{
		DeniedTypes: []string{"shadow_t", "etc_t"}, AllowedTypes: []string{"etc_t"},
		DeniedClasses: []string{"netlink_audit_socket"}, DeniedPermissions: []string{"ptrace"},
		AllowedClasses: []string{"kernel_service"}, AllowedPermissions: []string{"sys_module"},
	}})
	for _, tc := range []struct {
		sentence         string
		opts             Options
		typ, class, perm string
		denied           bool
		why              string
	}{
		{"refuses a type the SPOD denies", spod, "shadow_t", "file", "read", true, "deniedTypes"},
		{"allowedTypes lifts a denied type", spod, "etc_t", "file", "read", false, ""},
		{"refuses a class the SPOD denies", spod, "@self", "netlink_audit_socket", "read", true, "deniedClasses"},
		{"refuses a permission the SPOD denies on any class", spod, "@self", "process", "ptrace", true, "deniedPermissions"},
		{"allowedClasses lifts a class of the built-in denylist", spod, "kernel_t", "kernel_service", "use_as_override", false, ""},
		{"allowedPermissions lifts a permission of the built-in denylist", spod, "@self", "capability", "sys_module", false, ""},
		{"the built-in denylist holds without SPOD options", Options{}, "@self", "capability", "sys_module", true, "kernel modules"},
		{"what no list names is allowed", spod, "var_log_t", "file", "read", false, ""},
		{"a raw rule whose target is not an atom is checked on class and permission only", spod, "", "process", "ptrace", true, "deniedPermissions"},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			why, denied := tc.opts.denied(tc.typ, tc.class, tc.perm)
			if denied != tc.denied || !strings.Contains(why, tc.why) {
				t.Errorf("denied(%q, %q, %q) = %q, %v", tc.typ, tc.class, tc.perm, why, denied)
			}
		})
	}
}

func TestTranslateHonoursSPODDenyLists(t *testing.T) {
	opts := Options{DeniedTypes: []string{"shadow_t"}}
	_, err := Translate(profile("p", allowMap{"shadow_t": {"file": {"read"}}}), opts, getter())
	wantError(t, err, ReasonPermissionNotAllowed, "spec.allow.shadow_t.file[0]")
	if _, err := Translate(profile("p", allowMap{"var_log_t": {"file": {"read"}}}), opts, getter()); err != nil {
		t.Errorf("a type the SPOD does not deny was refused: %v", err)
	}
}
