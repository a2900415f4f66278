package recording

import (
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// FuzzStripSpoofed builds annotation maps from NUL-separated keys and
// values and admits a pod carrying them, once selected by a recording and
// once not. Afterwards every reserved annotation must be one the webhook
// wrote (it parses and names the recording), and every other annotation
// must be untouched.
func FuzzStripSpoofed(f *testing.F) {
	f.Add(PrefixBpf+"a\x00keep", "x\x00y")
	f.Add(PrefixBpfAppArmor+"\x00"+PrefixAvcs+"a\x00"+PrefixLogs+"b", "\x00r_a_aaaaa_1\x00")
	f.Add("io.containers.trace-bpf\x00IO.containers.trace-bpf/a\x00 io.containers.trace-logs/a", "1\x002\x003")
	f.Fuzz(func(t *testing.T, keys, values string) {
		annotations := map[string]string{}
		vs := strings.Split(values, "\x00")
		for i, k := range strings.Split(keys, "\x00") {
			annotations[k] = vs[i%len(vs)]
		}
		for _, selected := range []bool{true, false} {
			checkNoSpoofSurvives(t, annotations, selected)
		}
	})
}

func checkNoSpoofSurvives(t *testing.T, annotations map[string]string, selected bool) {
	in := pod([]string{"a", "b"})
	in.Annotations = annotations
	rec := recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf)
	if !selected {
		rec = recording("rec", v1.RecordingSeccompProfile, v1.RecorderBpf, selecting("app", "db"))
	}
	p, err := plan(in, []v1.ProfileRecording{rec}, testNonce, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.annotations {
		if reservedPrefix(k) == "" {
			continue
		}
		a, err := ParseAnnotation(k, v)
		if !selected || err != nil || a.Recording != "rec" || a.Nonce != testNonce {
			t.Fatalf("selected=%v: kept %q=%q (%+v, %v)", selected, k, v, a, err)
		}
	}
	for k, v := range annotations {
		if reservedPrefix(k) == "" && p.annotations[k] != v {
			t.Fatalf("annotation %q changed from %q to %q", k, v, p.annotations[k])
		}
	}
}

// FuzzParseAnnotation: parsing never panics, and whatever parses formats
// back to exactly the same key and value, so the nodes and the webhook
// agree on one spelling.
func FuzzParseAnnotation(f *testing.F) {
	f.Add(PrefixBpf+"app", "rec_app_abcde_1700000000")
	f.Add(PrefixBpfAppArmor+"app", "rec_app_abcde_-1")
	f.Add(PrefixLogs+"app", "rec_app_abcde_01")
	f.Add(PrefixAvcs, "rec__abcde_1")
	f.Fuzz(func(t *testing.T, key, value string) {
		a, err := ParseAnnotation(key, value)
		if err != nil {
			return
		}
		if a.Key() != key || a.Value() != value {
			t.Fatalf("%q=%q parsed to %+v, which formats as %q=%q", key, value, a, a.Key(), a.Value())
		}
	})
}
