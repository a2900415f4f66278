package ociartifact

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	for in, want := range map[string]Ref{
		"oci://ghcr.io/org/profiles/base:v1":          {Registry: "ghcr.io", Repository: "org/profiles/base", Tag: "v1"},
		"oci://localhost:5000/base":                   {Registry: "localhost:5000", Repository: "base", Tag: "latest"},
		"oci://localhost:5000/base@" + digest:         {Registry: "localhost:5000", Repository: "base", Digest: digest},
		"oci://localhost:5000/base:v2@" + digest:      {Registry: "localhost:5000", Repository: "base", Tag: "v2", Digest: digest},
		"oci://registry.example.com/a/b/c:1.2.3-rc.1": {Registry: "registry.example.com", Repository: "a/b/c", Tag: "1.2.3-rc.1"},
	} {
		got, err := ParseRef(in)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("ParseRef(%q) = %+v, want %+v", in, got, want)
		}
	}
	for _, in := range []string{
		"ghcr.io/org/base:v1",         // no scheme
		"oci://base:v1",               // no repository
		"oci://ghcr.io/Org/base:v1",   // upper case repository
		"oci://ghcr.io/org/base:-bad", // tag grammar
		"oci://ghcr.io/org/base@sha256:short",
		"oci://",
	} {
		if r, err := ParseRef(in); err == nil {
			t.Errorf("ParseRef(%q) = %+v, want an error", in, r)
		}
	}
}

// FuzzParseRef: whatever parses prints back to itself, and the registry
// is asked for exactly the digest or tag that was given.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{
		"oci://ghcr.io/org/base:v1", "oci://localhost:5000/base", "oci://h/r@sha256:" + strings.Repeat("0", 64),
		"oci://h:1/r:t@sha256:" + strings.Repeat("f", 64), "oci://a/b:c:d", "oci://a/b@", "oci://a:/b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			return
		}
		if r.Registry == "" || r.Repository == "" || (r.Tag == "" && r.Digest == "") {
			t.Fatalf("ParseRef(%q) = %+v: a part is missing", s, r)
		}
		again, err := ParseRef(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRef(%q) = %+v, which prints as %q and parses to %+v, %v", s, r, r.String(), again, err)
		}
		if r.Digest != "" && r.Reference() != r.Digest {
			t.Fatalf("ParseRef(%q) asks for %q, not the digest", s, r.Reference())
		}
	})
}
