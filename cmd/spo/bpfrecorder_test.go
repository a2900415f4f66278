package main

import (
	"strings"
	"testing"
)

// The bpf-recorder serves no metrics, so it has no metrics flags: a
// manifest that still passes one fails at start rather than opening a port.
func TestBPFRecorderRefusesMetricsFlags(t *testing.T) {
	t.Setenv("NODE_NAME", "")
	for _, flag := range []string{"--metrics-bind-address=:8094", "--insecure-metrics", "--metrics-cert-dir=/tmp"} {
		err := runBPFRecorder([]string{flag})
		if err == nil || !strings.Contains(err.Error(), "flag provided but not defined") {
			t.Errorf("bpf-recorder %s: %v, want the flag refused", flag, err)
		}
	}
}
