package recording

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestPrefixFor(t *testing.T) {
	for _, tc := range []struct {
		kind     v1.ProfileRecordingKind
		recorder v1.ProfileRecorder
		want     string
	}{
		{v1.RecordingSeccompProfile, v1.RecorderBpf, "io.containers.trace-bpf/"},
		{v1.RecordingSeccompProfile, v1.RecorderLogs, "io.containers.trace-logs/"},
		{v1.RecordingSelinuxProfile, v1.RecorderLogs, "io.containers.trace-avcs/"},
		{v1.RecordingAppArmorProfile, v1.RecorderBpf, "io.containers.trace-bpf-apparmor/"},
		{v1.RecordingSelinuxProfile, v1.RecorderBpf, ""},
		{v1.RecordingAppArmorProfile, v1.RecorderLogs, ""},
		{"RawSelinuxProfile", v1.RecorderLogs, ""},
	} {
		got, err := prefixFor(tc.kind, tc.recorder)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("prefixFor(%s, %s) = %q, %v; want %q", tc.kind, tc.recorder, got, err, tc.want)
		}
		if err != nil && !errors.Is(err, errNoPrefix) {
			t.Errorf("prefixFor(%s, %s): error %v does not wrap errNoPrefix", tc.kind, tc.recorder, err)
		}
	}
}

func TestParseAnnotationReadsWhatTheWebhookWrites(t *testing.T) {
	a := Annotation{Prefix: PrefixBpfAppArmor, Container: "app", Recording: "my.rec-1", Nonce: "a1b2c", Unix: 1700000000}
	if a.Key() != "io.containers.trace-bpf-apparmor/app" || a.Value() != "my.rec-1_app_a1b2c_1700000000" {
		t.Fatalf("got %s: %s", a.Key(), a.Value())
	}
	got, err := ParseAnnotation(a.Key(), a.Value())
	if err != nil || got != a {
		t.Fatalf("ParseAnnotation = %+v, %v; want %+v", got, err, a)
	}
}

func TestParseAnnotationRejects(t *testing.T) {
	for _, tc := range []struct{ key, value, why string }{
		{"example.com/app", "r_app_aaaaa_1", "not a recording annotation"},
		{PrefixBpf, "r__aaaaa_1", "no container name"},
		{PrefixBpf + "app", "r_app_aaaaa", "not recording_container_nonce_time"},
		{PrefixBpf + "app", "r_other_aaaaa_1", `value names container "other"`},
		{PrefixBpf + "app", "_app_aaaaa_1", "no recording name"},
		{PrefixBpf + "app", "r_app_AAAAA_1", "nonce"},
		{PrefixBpf + "app", "r_app_aaaa_1", "nonce"},
		{PrefixBpf + "app", "r_app_aaaaa_x", "time"},
		{PrefixBpf + "app", "r_app_aaaaa_+1", "canonical"},
		{PrefixBpf + "app", "r_app_aaaaa_01", "canonical"},
	} {
		_, err := ParseAnnotation(tc.key, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ParseAnnotation(%q, %q) = %v, want an error containing %q", tc.key, tc.value, err, tc.why)
		}
	}
}

func TestNonce(t *testing.T) {
	// 252 and above are rejected (256 is not a multiple of 36), so the
	// first characters come from 0, 35, 36 and 251.
	src := bytes.NewReader([]byte{255, 252, 0, 35, 36, 251, 1, 2, 3, 4, 5, 6})
	got, err := newNonce(src)
	if err != nil || got != "a9a9b" {
		t.Errorf("newNonce = %q, %v; want a9a9b", got, err)
	}
	if !validNonce(got) {
		t.Errorf("validNonce(%q) = false", got)
	}
}

func TestNonceFailsOnABrokenSource(t *testing.T) {
	if _, err := newNonce(iotest.ErrReader(io.ErrUnexpectedEOF)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("got %v, want the reader's error wrapped", err)
	}
	if _, err := newNonce(constReader(255)); !errors.Is(err, errRandom) {
		t.Errorf("got %v, want errRandom for a source of rejected bytes only", err)
	}
}

type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}
