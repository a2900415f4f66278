package seccomp_test

import (
	"slices"
	"testing"

	"github.com/secprofiles/spo/daemon/seccomp"
)

func TestRuntimeBaseFollowsTheArchitecture(t *testing.T) {
	tests := map[string]struct {
		arch        string
		has, hasNot []string
	}{
		// rt_sigreturn: whether a runtime's init takes a signal under the
		// filter is timing, so no recording can be trusted to show it.
		"x86_64 has its own calls":    {"SCMP_ARCH_X86_64", []string{"rt_sigreturn", "arch_prctl", "exit_group"}, nil},
		"arm64 lacks x86-only ones":   {"SCMP_ARCH_AARCH64", []string{"rt_sigreturn", "exit_group"}, []string{"arch_prctl", "access"}},
		"an unknown arch gets it all": {"SCMP_ARCH_NOPE", []string{"rt_sigreturn", "arch_prctl"}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := seccomp.RuntimeBase(tc.arch)
			for _, n := range tc.has {
				if !slices.Contains(got, n) {
					t.Errorf("RuntimeBase(%s) lacks %s: %v", tc.arch, n, got)
				}
			}
			for _, n := range tc.hasNot {
				if slices.Contains(got, n) {
					t.Errorf("RuntimeBase(%s) names %s, which it does not have", tc.arch, n)
				}
			}
		})
	}
	if !slices.Contains(seccomp.RuntimeBase(""), "rt_sigreturn") {
		t.Error(`RuntimeBase("") (the node's own) lacks rt_sigreturn`)
	}
}
