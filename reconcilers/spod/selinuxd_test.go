package spod

import (
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// The built-in mapping sends each OS to the selinuxd build of its policy
// store; the osImage strings are what these systems' kubelets report.
func TestDefaultSelinuxdMapping(t *testing.T) {
	m, err := ParseSelinuxdImages(nil, "fallback/selinuxd:v1")
	if err != nil {
		t.Fatal(err)
	}
	for sentence, c := range map[string]struct{ osImage, want string }{
		"RHCOS of OpenShift 4.12 (RHEL 8.6) runs the el8 build": {"Red Hat Enterprise Linux CoreOS 412.86.202402272018-0 (Ootpa)", "el8"},
		"RHCOS of OpenShift 4.16 (RHEL 9.4) runs the el9 build": {"Red Hat Enterprise Linux CoreOS 416.94.202405291527-0 (Plow)", "el9"},
		"RHCOS numbered by its RHEL release runs that build":    {"Red Hat Enterprise Linux CoreOS 9.6.20250523-0 (Plow)", "el9"},
		"RHEL 8 runs the el8 build":                             {"Red Hat Enterprise Linux 8.10 (Ootpa)", "el8"},
		"RHEL 10 runs the el10 build, not el1-anything":         {"Red Hat Enterprise Linux 10.0 (Coughlan)", "el10"},
		"CentOS Stream 9 runs the el9 build":                    {"CentOS Stream 9", "el9"},
		"Rocky Linux 9 runs the el9 build":                      {"Rocky Linux 9.4 (Blue Onyx)", "el9"},
		"Fedora runs the Fedora build":                          {"Fedora Linux 41 (Server Edition)", "fedora"},
		"Fedora CoreOS runs the Fedora build":                   {"Fedora CoreOS 40.20240728.3.0", "fedora"},
		"an OS no entry knows runs the manager's image":         {"Ubuntu 24.04.1 LTS", SelinuxdFallback},
		"a node that reports no OS runs the manager's image":    {"", SelinuxdFallback},
		"RHEL 80 (should it ever exist) is no RHEL 8":           {"Red Hat Enterprise Linux 80.1", SelinuxdFallback},
	} {
		name, image := m.For(c.osImage)
		if name != c.want {
			t.Errorf("%s: %q → %s (%s)", sentence, c.osImage, name, image)
		}
		if name == SelinuxdFallback && image != "fallback/selinuxd:v1" || name != SelinuxdFallback && !strings.Contains(image, "selinuxd-"+name+":") {
			t.Errorf("%s: image %s for entry %s", sentence, image, name)
		}
	}
}

func TestSelinuxdMappingRefusals(t *testing.T) {
	for sentence, c := range map[string]struct {
		entries []v1.SelinuxdImage
		want    string
	}{
		"an osImage that is no regular expression is named": {
			[]v1.SelinuxdImage{{Name: "ok", OSImage: "^x", Image: "a/b:v1"}, {Name: "bad", OSImage: "Fedora (", Image: "a/b:v1"}},
			"spec.selinux.selinuxdImages[1].osImage: not a regular expression"},
		"an unpinned image is named": {
			[]v1.SelinuxdImage{{Name: "x", OSImage: "^x", Image: "a/b:latest"}}, "spec.selinux.selinuxdImages[0].image"},
		"the fallback's name is reserved": {
			[]v1.SelinuxdImage{{Name: "default", OSImage: "^x", Image: "a/b:v1"}}, "spec.selinux.selinuxdImages[0].name"},
		"a repeated name is refused": {
			[]v1.SelinuxdImage{{Name: "x", OSImage: "^x", Image: "a/b:v1"}, {Name: "x", OSImage: "^y", Image: "a/b:v1"}},
			"spec.selinux.selinuxdImages[1].name"},
	} {
		_, err := ParseSelinuxdImages(c.entries, "f/s:v1")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", sentence, err, c.want)
		}
		spec := Default("ns").Spec
		spec.Selinux.SelinuxdImages = c.entries
		if st, ok := Invalid(spec); ok || st.Reason != ReasonInvalidSelinuxdImages || !strings.Contains(st.Message, c.want) {
			t.Errorf("%s: Invalid = %+v, %v", sentence, st, ok)
		}
	}
}

// Whatever the SPOD holds, parsing never panics, and a mapping that
// parses gives every osImage an entry that exists, first match first.
func FuzzSelinuxdMapping(f *testing.F) {
	f.Add("^Fedora", "Fedora Linux 41", "a/b:v1")
	f.Add("(", "x", "a/b:latest")
	f.Add(`\p{Greek}+`, "αβγ", "a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, re, osImage, image string) {
		m, err := ParseSelinuxdImages([]v1.SelinuxdImage{{Name: "one", OSImage: re, Image: image}, {Name: "all", OSImage: "", Image: "a/b:v1"}}, "f/s:v1")
		if err != nil {
			return
		}
		name, got := m.For(osImage)
		switch name {
		case "one":
			if got != image {
				t.Fatalf("entry one gave %q", got)
			}
		case "all":
			if got != "a/b:v1" {
				t.Fatalf("entry all gave %q", got)
			}
		default:
			t.Fatalf("the empty regexp matches everything, yet %q fell through to %s", osImage, name)
		}
	})
}
