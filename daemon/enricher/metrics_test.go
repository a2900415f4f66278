package enricher

import (
	"testing"

	"github.com/secprofiles/spo/daemon/spodmetrics"
)

func TestAVCsAreCountedWithSPOsContextLabelsAndSposPermissions(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, web)
	f.proc.run(10, idA, "/usr/sbin/nginx")
	s, tc := "system_u:system_r:container_t:s0:c1,c2", "system_u:object_r:var_t:s0"
	records := spodmetrics.SelinuxProfileAudit.WithLabelValues("n1", "ns", "web-1", "app", "/usr/sbin/nginx", s, tc)
	reads := selinuxPermissions.WithLabelValues("n1", "ns", "web-1", "app", "/usr/sbin/nginx", "file", "read")
	recordsBefore, readsBefore := value(t, records), value(t, reads)
	for _, l := range []string{avcLine(10, "read", "file"), avcLine(10, "open read", "file")} {
		f.c.Add(mustParse(t, l))
	}
	if d := value(t, records) - recordsBefore; d != 2 {
		t.Errorf("selinux_profile_audit_total{scontext,tcontext} rose by %v, want 2 (one per record)", d)
	}
	if d := value(t, reads) - readsBefore; d != 2 {
		t.Errorf("selinux_avc_permissions_total{permission=read} rose by %v, want 2", d)
	}
}

func TestAppArmorRecordsKeepTheObjectNameOfDenialsOnly(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, web)
	f.proc.run(10, idA, "/bin/cat")
	// appArmorLine's records are under the profile the fixture names.
	denied := appArmorLine(10, "DENIED", "open", `name="/etc/shadow" requested_mask="r" denied_mask="r"`)
	allowed := appArmorLine(10, "ALLOWED", "open", `name="/etc/passwd" requested_mask="r" denied_mask="r"`)
	profile := mustParse(t, denied).AppArmor.Profile
	deniedSeries := spodmetrics.AppArmorProfileAudit.WithLabelValues("n1", "ns", "web-1", "app", "/bin/cat",
		profile, "open", "DENIED", "/etc/shadow")
	allowedSeries := spodmetrics.AppArmorProfileAudit.WithLabelValues("n1", "ns", "web-1", "app", "/bin/cat",
		profile, "open", "ALLOWED", "")
	denials := spodmetrics.AppArmorProfileDenial.WithLabelValues(profile, "open")
	before := []float64{value(t, deniedSeries), value(t, allowedSeries), value(t, denials)}
	f.c.Add(mustParse(t, denied))
	f.c.Add(mustParse(t, allowed))
	for i, c := range map[string]float64{"the denial with its name": value(t, deniedSeries) - before[0],
		"the allowed access without a name": value(t, allowedSeries) - before[1],
		"apparmor_profile_denial_total":     value(t, denials) - before[2]} {
		if c != 1 {
			t.Errorf("%s rose by %v, want 1", i, c)
		}
	}
}
