package main

import (
	"fmt"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
)

// AppArmor coverage compares each list of the abstract, path by path as
// exact strings: a glob is not expanded, so "/etc/**" does not cover
// "/etc/hosts" (reported missing: conservative), and overlapping globs
// are not analysed, as apparmor.Validate does not analyse them either. A
// read-write path covers the read-only and the write-only entry of the
// same string; a read-only or write-only one covers only itself. A
// complaining first profile covers an enforcing other's mode, not the
// reverse (a complaining profile lets everything through); the rules are
// compared either way.
func appArmorGaps(first, other *v1.AppArmorProfileSpec) []string {
	var gaps []string
	if appArmorMode(other) == v1.AppArmorComplain && appArmorMode(first) != v1.AppArmorComplain {
		gaps = append(gaps, "mode Complain")
	}
	f, o := &first.Abstract, &other.Abstract
	fe, oe := execRules(f), execRules(o)
	gaps = appendGap(gaps, "executable.allowedExecutables", missing(fe.AllowedExecutables, oe.AllowedExecutables))
	gaps = appendGap(gaps, "executable.allowedLibraries", missing(fe.AllowedLibraries, oe.AllowedLibraries))
	gaps = append(gaps, fsGaps(f.Filesystem, o.Filesystem)...)
	gaps = append(gaps, networkGaps(f.Network, o.Network)...)
	gaps = appendGap(gaps, "capability.allowedCapabilities", missing(caps(f), caps(o)))
	return gaps
}

func execRules(a *v1.AppArmorAbstract) v1.AppArmorExecutablesRules {
	if a.Executable == nil {
		return v1.AppArmorExecutablesRules{}
	}
	return *a.Executable
}

func caps(a *v1.AppArmorAbstract) []string {
	if a.Capability == nil {
		return nil
	}
	return a.Capability.AllowedCapabilities
}

// fsGaps names each path of other's filesystem lists whose access first
// does not grant in full, under other's list.
func fsGaps(first, other *v1.AppArmorFsRules) []string {
	if other == nil {
		return nil
	}
	has := fsAccess(first)
	check := func(paths []v1.AppArmorPath, need access) []v1.AppArmorPath {
		var out []v1.AppArmorPath
		for _, p := range paths {
			if has[p]&need != need {
				out = append(out, p)
			}
		}
		return out
	}
	var gaps []string
	gaps = appendGap(gaps, "filesystem.readOnlyPaths", check(other.ReadOnlyPaths, accessRead))
	gaps = appendGap(gaps, "filesystem.writeOnlyPaths", check(other.WriteOnlyPaths, accessWrite))
	return appendGap(gaps, "filesystem.readWritePaths", check(other.ReadWritePaths, accessRead|accessWrite))
}

type access uint8

const (
	accessRead access = 1 << iota
	accessWrite
)

func fsAccess(fs *v1.AppArmorFsRules) map[v1.AppArmorPath]access {
	out := map[v1.AppArmorPath]access{}
	if fs == nil {
		return out
	}
	for _, p := range fs.ReadOnlyPaths {
		out[p] |= accessRead
	}
	for _, p := range fs.WriteOnlyPaths {
		out[p] |= accessWrite
	}
	for _, p := range fs.ReadWritePaths {
		out[p] |= accessRead | accessWrite
	}
	return out
}

// networkGaps names each kind of socket other allows and first does not.
func networkGaps(first, other *v1.AppArmorNetworkRules) []string {
	f, o := networkOf(first), networkOf(other)
	var gaps []string
	for i, name := range []string{"network.allowRaw", "network.allowedProtocols.allowTcp", "network.allowedProtocols.allowUdp"} {
		if o[i] && !f[i] {
			gaps = append(gaps, name)
		}
	}
	return gaps
}

// networkOf is raw, tcp, udp as booleans; unset is false, as Render
// writes no allow rule for it.
func networkOf(n *v1.AppArmorNetworkRules) [3]bool {
	if n == nil {
		return [3]bool{}
	}
	p := n.Protocols
	if p == nil {
		p = &v1.AppArmorAllowedProtocols{}
	}
	return [3]bool{isSet(n.AllowRaw), isSet(p.AllowTCP), isSet(p.AllowUDP)}
}

func isSet(b *bool) bool { return b != nil && *b }

// selinuxGaps names the permissions other allows and first does not, per
// type and class ("@self" is each profile's own type, so it compares),
// the templates other inherits and first does not (inheriting more only
// grants more), and a permissive mode first does not share.
func selinuxGaps(first, other *v1.SelinuxProfileSpec) []string {
	var gaps []string
	if selinuxMode(other) == v1.SelinuxPermissive && selinuxMode(first) != v1.SelinuxPermissive {
		gaps = append(gaps, "mode Permissive")
	}
	gaps = appendGap(gaps, "inherit", missing(inheritNames(first), inheritNames(other)))
	for _, t := range sortedKeys(other.Allow) {
		for _, c := range sortedKeys(other.Allow[t]) {
			perms := missing(first.Allow[t][c], other.Allow[t][c])
			gaps = appendGap(gaps, fmt.Sprintf("allow %s %s", t, c), perms)
		}
	}
	return gaps
}

// appendGap adds "what [a b]" when values is not empty.
func appendGap[T ~string](gaps []string, what string, values []T) []string {
	if len(values) == 0 {
		return gaps
	}
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return append(gaps, what+" ["+strings.Join(s, " ")+"]")
}
