package main

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "github.com/secprofiles/spo/api/v1"
)

func argRule(action v1.SeccompAction, name string, index uint, value uint64) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: []string{name}, Action: action, Args: []v1.SeccompArg{{Index: index, Value: value, Op: "SCMP_CMP_EQ"}}}
}

func TestSeccompGaps(t *testing.T) {
	a := spec(v1.ActErrno, x86, allow("read", "write", "uname", "mkdir"))
	tests := map[string]struct {
		first, other *v1.SeccompProfileSpec
		want         []string
	}{
		"a profile covers itself":                            {a, a, nil},
		"a profile covers one that allows less":              {a, spec(v1.ActErrno, x86, allow("read")), nil},
		"a missing syscall is named, sorted":                 {spec(v1.ActErrno, x86, allow("read")), a, []string{"syscalls [mkdir uname write]"}},
		"a missing architecture is named":                    {spec(v1.ActErrno, nil, allow("read")), spec(v1.ActErrno, x86, allow("read")), []string{"architectures [SCMP_ARCH_X86_64]"}},
		"logging a syscall covers allowing it":               {spec(v1.ActErrno, x86, v1.SeccompSyscall{Names: []string{"read"}, Action: v1.ActLog}), spec(v1.ActErrno, x86, allow("read")), nil},
		"a deny-by-default profile does not cover allow-all": {a, spec(v1.ActAllow, x86), []string{"defaultAction SCMP_ACT_ALLOW (has SCMP_ACT_ERRNO(errno 1))"}},
		"an allow-all profile covers a deny-by-default one":  {spec(v1.ActAllow, x86), a, nil},
		"denying a syscall the other runs by default is named": {
			spec(v1.ActAllow, x86, errnoRule(1, "mkdir")), spec(v1.ActAllow, x86), []string{"syscalls [mkdir]"},
		},
		"an allow-all profile covers one that denies a syscall": {spec(v1.ActAllow, x86), spec(v1.ActAllow, x86, errnoRule(1, "mkdir")), nil},
		"a rule with args is not covered by one with other args": {
			spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 2)), spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 10)),
			[]string{"syscall socket [SCMP_ACT_ALLOW if arg0 SCMP_CMP_EQ 10, SCMP_ACT_ERRNO(errno 1)] (has [SCMP_ACT_ALLOW if arg0 SCMP_CMP_EQ 2, SCMP_ACT_ERRNO(errno 1)])"},
		},
		"a rule with args is covered by the same rule":               {spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 2)), spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 2)), nil},
		"a rule with args is covered by allowing the syscall always": {spec(v1.ActErrno, x86, allow("socket")), spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 2)), nil},
		"allowing a syscall always is not covered by a rule with args": {
			spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 2)), spec(v1.ActErrno, x86, allow("socket")),
			[]string{"syscall socket [SCMP_ACT_ALLOW] (has [SCMP_ACT_ALLOW if arg0 SCMP_CMP_EQ 2, SCMP_ACT_ERRNO(errno 1)])"},
		},
		"extra conditional allow rules still cover the other's default": {spec(v1.ActErrno, x86, argRule(v1.ActAllow, "socket", 0, 2)), spec(v1.ActErrno, x86), nil},
		"how a refused call fails is not compared, only what runs": {
			spec(v1.ActAllow, x86, v1.SeccompSyscall{Names: []string{"mkdir"}, Action: v1.ActKillProcess}), spec(v1.ActAllow, x86, errnoRule(38, "mkdir")), nil,
		},
		"a conditional refusal the other lacks may cut into what it runs": {
			spec(v1.ActErrno, x86, allow("socket"), argRule(v1.ActErrno, "socket", 0, 10)), spec(v1.ActErrno, x86, allow("socket")),
			[]string{"syscall socket [SCMP_ACT_ALLOW] (has [SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(errno 1) if arg0 SCMP_CMP_EQ 10])"},
		},
		"a rule restating the default action changes nothing": {spec(v1.ActErrno, x86), spec(v1.ActErrno, x86, v1.SeccompSyscall{Names: []string{"mkdir"}, Action: v1.ActErrno}), nil},
		"flags are not compared": {
			&v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}, &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG"}}, nil,
		},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, seccompGaps(tc.first, tc.other)); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
		})
	}
}

func aaPaths(ps ...v1.AppArmorPath) []v1.AppArmorPath { return ps }

func aaFs(ro, wo, rw []v1.AppArmorPath) *v1.AppArmorProfileSpec {
	return &v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: ro, WriteOnlyPaths: wo, ReadWritePaths: rw}}}
}

func yes() *bool { b := true; return &b }

func TestAppArmorGaps(t *testing.T) {
	full := &v1.AppArmorProfileSpec{Abstract: v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: aaPaths("/bin/sh"), AllowedLibraries: aaPaths("/lib/libc.so.6")},
		Filesystem: &v1.AppArmorFsRules{ReadOnlyPaths: aaPaths("/etc/**"), ReadWritePaths: aaPaths("/tmp/x")},
		Network:    &v1.AppArmorNetworkRules{AllowRaw: yes(), Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: yes(), AllowUDP: yes()}},
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"chown", "net_raw"}},
	}}
	tests := map[string]struct {
		first, other *v1.AppArmorProfileSpec
		want         []string
	}{
		"a profile covers itself":                             {full, full, nil},
		"any profile covers empty one":                        {&v1.AppArmorProfileSpec{}, &v1.AppArmorProfileSpec{}, nil},
		"an empty profile lacks it all":                       {&v1.AppArmorProfileSpec{}, full, []string{"executable.allowedExecutables [/bin/sh]", "executable.allowedLibraries [/lib/libc.so.6]", "filesystem.readOnlyPaths [/etc/**]", "filesystem.readWritePaths [/tmp/x]", "network.allowRaw", "network.allowedProtocols.allowTcp", "network.allowedProtocols.allowUdp", "capability.allowedCapabilities [chown net_raw]"}},
		"an AppArmor read-write path covers a read-only one":  {aaFs(nil, nil, aaPaths("/a")), aaFs(aaPaths("/a"), nil, nil), nil},
		"an AppArmor read-write path covers a write-only one": {aaFs(nil, nil, aaPaths("/a")), aaFs(nil, aaPaths("/a"), nil), nil},
		"a read-only path does not cover a write-only one":    {aaFs(aaPaths("/a"), nil, nil), aaFs(nil, aaPaths("/a"), nil), []string{"filesystem.writeOnlyPaths [/a]"}},
		"a read-only path does not cover a read-write one":    {aaFs(aaPaths("/a"), nil, nil), aaFs(nil, nil, aaPaths("/a")), []string{"filesystem.readWritePaths [/a]"}},
		"a glob does not cover a path it matches: paths compare as strings": {
			aaFs(aaPaths("/etc/**"), nil, nil), aaFs(aaPaths("/etc/hosts"), nil, nil), []string{"filesystem.readOnlyPaths [/etc/hosts]"},
		},
		"a complaining profile is not covered by an enforcing one": {&v1.AppArmorProfileSpec{Mode: v1.AppArmorEnforce}, &v1.AppArmorProfileSpec{Mode: v1.AppArmorComplain}, []string{"mode Complain"}},
		"a complaining profile covers an enforcing one's mode":     {&v1.AppArmorProfileSpec{Mode: v1.AppArmorComplain}, &v1.AppArmorProfileSpec{}, nil},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, appArmorGaps(tc.first, tc.other)); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelinuxGaps(t *testing.T) {
	web := &v1.SelinuxProfileSpec{Allow: allowMap{"@self": {"tcp_socket": {"listen", "accept"}}, "var_log_t": {"dir": {"open", "read"}}}}
	tests := map[string]struct {
		first, other *v1.SelinuxProfileSpec
		want         []string
	}{
		"a profile covers itself": {web, web, nil},
		"missing SELinux permissions are named by type and class": {
			&v1.SelinuxProfileSpec{Allow: allowMap{"@self": {"tcp_socket": {"listen"}}}}, web,
			[]string{"allow @self tcp_socket [accept]", "allow var_log_t dir [open read]"},
		},
		"the default inherit is the container template": {
			&v1.SelinuxProfileSpec{Inherit: []v1.PolicyRef{{Name: "container"}}}, &v1.SelinuxProfileSpec{}, nil,
		},
		"a template the first does not inherit is named": {
			&v1.SelinuxProfileSpec{}, &v1.SelinuxProfileSpec{Inherit: []v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: "net_container"}}},
			[]string{"inherit [System/net_container]"},
		},
		"a permissive profile is not covered by an enforcing one": {&v1.SelinuxProfileSpec{}, &v1.SelinuxProfileSpec{Mode: v1.SelinuxPermissive}, []string{"mode Permissive"}},
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, selinuxGaps(tc.first, tc.other)); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
		})
	}
}

type allowMap = map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet

// TestMergedCoversEveryInput ties merge to --check: the union covers each
// profile it was made from, and the inputs do not cover the union unless
// they already held everything.
func TestMergedCoversEveryInput(t *testing.T) {
	sa := spec(v1.ActErrno, x86, allow("read"), argRule(v1.ActAllow, "socket", 0, 2))
	sb := spec(v1.ActErrno, x86, allow("write"), errnoRule(38, "mkdir"))
	checkUnion(t, "seccomp", mergeSpecs, seccompGaps, sa, sb)

	aa := aaFs(aaPaths("/a", "/b"), aaPaths("/c"), nil)
	ab := aaFs(nil, aaPaths("/a"), aaPaths("/d"))
	ab.Abstract.Executable = &v1.AppArmorExecutablesRules{AllowedExecutables: aaPaths("/c")}
	checkUnion(t, "apparmor", mergeAppArmor, appArmorGaps, aa, ab)

	la := &v1.SelinuxProfileSpec{Allow: allowMap{"var_t": {"file": {"read"}}}}
	lb := &v1.SelinuxProfileSpec{Allow: allowMap{"var_t": {"file": {"write"}, "dir": {"search"}}}}
	checkUnion(t, "selinux", mergeSelinux, selinuxGaps, la, lb)
}

func checkUnion[S any](t *testing.T, kind string, merge func([]named[S]) (*S, error), gaps func(a, b *S) []string, specs ...*S) {
	t.Helper()
	var in []named[S]
	for _, s := range specs {
		in = append(in, named[S]{file: kind + ".yaml", spec: s})
	}
	merged, err := merge(in)
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	for i, s := range specs {
		if g := gaps(merged, s); g != nil {
			t.Errorf("%s: the union does not cover input %d: %v", kind, i, g)
		}
		if g := gaps(s, merged); len(g) == 0 {
			t.Errorf("%s: input %d covers the union of different profiles", kind, i)
		}
	}
	if g := gaps(merged, merged); !slices.Equal(g, nil) {
		t.Errorf("%s: the union does not cover itself: %v", kind, g)
	}
}
