package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secprofiles/spo/daemon/seccomp"
)

func TestDetectFormat(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    format
		wantErr bool
	}{
		"a YAML manifest is a manifest":                  {"kind: SeccompProfile\nspec: {}\n", formatManifest, false},
		"a JSON manifest is a manifest":                  {`{"kind":"SeccompProfile","spec":{}}`, formatManifest, false},
		"JSON with defaultAction at the top is OCI":      {`{"defaultAction":"SCMP_ACT_ALLOW"}`, formatOCI, false},
		"YAML with defaultAction at the top is OCI":      {"defaultAction: SCMP_ACT_ALLOW\n", formatOCI, false},
		"a spec without kind is still a manifest":        {"spec: {defaultAction: SCMP_ACT_LOG}\n", formatManifest, false},
		"a document with neither is not a profile":       {"foo: bar\n", 0, true},
		"a list is not a profile":                        {"- a\n- b\n", 0, true},
		"an empty file is not a profile":                 {"", 0, true},
		"malformed YAML is an error, not a wrong format": {"{", 0, true},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			got, err := detectFormat([]byte(tc.in))
			if (err != nil) != tc.wantErr || (err == nil && got != tc.want) {
				t.Fatalf("detectFormat = %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// FuzzParseProfile feeds arbitrary bytes to the format detection and
// parsing: nothing may panic, and whatever parses and validates must
// convert to OCI JSON and back to the same spec (OCI has no base profile or
// state, so those are cleared first).
func FuzzParseProfile(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: a}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]\n",
		`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1}`,
		`{"kind":"SeccompProfile","apiVersion":"security-profiles-operator.x-k8s.io/v1","spec":{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86"]}}`,
		"kind: SeccompProfile\nspec: [1, 2]\n",
		"defaultAction: [x]\n",
		"{\"defaultAction\":\"SCMP_ACT_KILL\",\"syscalls\":[{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
		"---\n---\n",
		"&a [*a]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := parseProfile(data, "fuzz")
		if err != nil {
			return
		}
		spec := p.Spec.DeepCopy()
		spec.BaseProfileName, spec.State = "", ""
		if seccomp.Validate(spec) != nil {
			return
		}
		out, err := seccomp.MarshalOCI(spec)
		if err != nil {
			t.Fatalf("MarshalOCI: %v", err)
		}
		back, f2, err := parseProfile(out, "fuzz")
		if err != nil || f2 != formatOCI {
			t.Fatalf("spoc's own OCI output %s does not read back as OCI: %v, %v", out, f2, err)
		}
		if diff := cmp.Diff(normalize(t, spec), normalize(t, &back.Spec)); diff != "" {
			t.Fatalf("round trip changed the spec (-before +after):\n%s", diff)
		}
	})
}

// normalize compares specs as JSON, where nil and empty lists are the same.
func normalize(t *testing.T, v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
