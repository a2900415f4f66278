package main

import (
	"os"
	"testing"

	"github.com/secprofiles/spo/daemon/bpfrecorder"
)

// TestBPFRecorderSelfTestRecordsTheSpoBinary runs the self-test the
// deployed bpf-recorder runs, with the child it uses there: the spo binary
// (the image has no shell), waiting on stdin and then exec'ing itself, with
// the default recorder and with the no-BTF one.
func TestBPFRecorderSelfTestRecordsTheSpoBinary(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("loading BPF programs needs root, and CI runs as root")
		}
		t.Skip("loading BPF programs needs root")
	}
	bin := buildSpo(t)
	for _, btf := range []string{"", bpfrecorder.BTFNone} {
		kind, _ := bpfrecorder.SelectRecorder(btf)
		t.Run(string(kind), func(t *testing.T) {
			if err := bpfrecorder.SelfTest(t.Context(), bpfrecorder.Options{BTFPath: btf}, bin, selfTestChild); err != nil {
				t.Fatal(err)
			}
		})
	}
}
