package apparmor

import (
	"fmt"
	"slices"
	"unicode/utf8"

	v1 "github.com/secprofiles/spo/api/v1"
)

// maxPathLength matches the CRD's MaxLength on AppArmorPath (PATH_MAX).
const maxPathLength = 4096

// maxNameLength is the longest Kubernetes object name (a DNS subdomain).
const maxNameLength = 253

// Capabilities are the capability names apparmor.d(5) accepts: the kernel's
// list (include/uapi/linux/capability.h, up to CAP_CHECKPOINT_RESTORE), in
// lower case without the CAP_ prefix. The CRD's enum on
// allowedCapabilities carries the same list.
var Capabilities = []string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// Validate checks what can be checked without apparmor_parser: the profile
// name, every path's syntax, conflicts between lists and capability names.
// Errors are *nodeinstall.Error with Field relative to the object.
func Validate(name string, spec *v1.AppArmorProfileSpec) error {
	if err := checkName(name); err != nil {
		return err
	}
	lists := pathLists(&spec.Abstract)
	for _, l := range lists {
		for i, p := range l.paths {
			if err := checkPath(string(p)); err != nil {
				return newError(ReasonInvalidPath, l.index(i), err.Error())
			}
		}
	}
	if err := checkConflicts(lists); err != nil {
		return err
	}
	return checkCapabilities(spec.Abstract.Capability)
}

// checkName refuses names that would not be a single AppArmor profile name
// token. Object names (DNS subdomains) always pass; spoc reads names from
// files, which nobody validated.
func checkName(name string) error {
	if name == "" || len(name) > maxNameLength {
		return newError(ReasonInvalidName, "metadata.name",
			fmt.Sprintf("the name must be 1 to %d characters long", maxNameLength))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '-' || c == '.') && i > 0 && i < len(name)-1
		if !ok {
			return newError(ReasonInvalidName, "metadata.name",
				fmt.Sprintf("%q is not a DNS subdomain name (lower case letters, digits, '-' and '.')", name))
		}
	}
	return nil
}

// checkPath enforces the subset of apparmor.d(5) path syntax that the CRD's
// pattern on AppArmorPath also enforces, so that nothing in a path can end
// the rule or the profile early: absolute; no control characters (a newline
// would start a new rule) and no '"' (it would end the quoted string the
// path is rendered in); a '\' escapes the next character, so it cannot be
// last; ',' ends a rule, so it may only separate alternatives inside
// {a,b}; braces are balanced and not nested.
func checkPath(p string) error {
	if p == "" || p[0] != '/' {
		return fmt.Errorf("%q is not an absolute path: it must start with /", p)
	}
	// Counted in characters, as the CRD's maxLength counts.
	if n := utf8.RuneCountInString(p); n > maxPathLength {
		return fmt.Errorf("the path is %d characters long, more than %d", n, maxPathLength)
	}
	inBraces := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%q contains a control character (byte %#x); newlines and tabs cannot appear in a policy path", p, c)
		case c == '"':
			return fmt.Errorf("%q contains '\"', which would end the quoted path in the policy", p)
		case c == '\\':
			if i == len(p)-1 {
				return fmt.Errorf("%q ends with '\\', which would escape the end of the path", p)
			}
			i++
			if n := p[i]; n < 0x20 || n == 0x7f || n == '"' {
				return fmt.Errorf("%q escapes a character that cannot appear in a policy path", p)
			}
		case c == '{':
			if inBraces {
				return fmt.Errorf("%q nests '{' alternatives, which is not supported here", p)
			}
			inBraces = true
		case c == '}':
			if !inBraces {
				return fmt.Errorf("%q has a '}' without '{'", p)
			}
			inBraces = false
		case c == ',' && !inBraces:
			return fmt.Errorf("%q contains ',' outside {a,b} alternatives, which would end the rule", p)
		}
	}
	if inBraces {
		return fmt.Errorf("%q has a '{' without '}'", p)
	}
	return nil
}

// pathList is one of the abstract's path lists, with its field path.
type pathList struct {
	field string
	paths []v1.AppArmorPath
	// fs is true for the three filesystem lists, which exclude each other.
	fs bool
	// writeOnly is true for the list whose paths get "deny r".
	writeOnly bool
}

func (l pathList) index(i int) string { return fmt.Sprintf("%s[%d]", l.field, i) }

// pathLists returns the lists in rendering order: executables first, so
// that checkConflicts has seen them when it reaches the write-only paths.
func pathLists(a *v1.AppArmorAbstract) []pathList {
	var out []pathList
	if e := a.Executable; e != nil {
		out = append(out,
			pathList{field: "spec.abstract.executable.allowedExecutables", paths: e.AllowedExecutables},
			pathList{field: "spec.abstract.executable.allowedLibraries", paths: e.AllowedLibraries})
	}
	if f := a.Filesystem; f != nil {
		out = append(out,
			pathList{field: "spec.abstract.filesystem.readOnlyPaths", paths: f.ReadOnlyPaths, fs: true},
			pathList{field: "spec.abstract.filesystem.writeOnlyPaths", paths: f.WriteOnlyPaths, fs: true, writeOnly: true},
			pathList{field: "spec.abstract.filesystem.readWritePaths", paths: f.ReadWritePaths, fs: true})
	}
	return out
}

// checkConflicts refuses a path listed where the rendered rules would
// fight. In enforce mode a read-only path gets "deny wlk" and a write-only
// one "deny r", and deny wins over allow (apparmor.d(5), "Deny rules"): the
// same path in two filesystem lists, or a write-only path that is also
// executed or mapped (both need read), would silently lose the access its
// other entry grants. Only identical strings are compared; overlapping
// globs are the author's business. Duplicates within one list are refused
// too: the CRD's listType=set does that at admission, spoc input has no
// such guard.
func checkConflicts(lists []pathList) error {
	// pos locates an entry; field paths are only formatted for errors.
	type pos struct{ list, i int }
	field := func(p pos) string { return lists[p.list].index(p.i) }
	n := 0
	for _, l := range lists {
		n += len(l.paths)
	}
	fsFirst := make(map[v1.AppArmorPath]pos, n)
	readers := map[v1.AppArmorPath]pos{}
	for li, l := range lists {
		inList := make(map[v1.AppArmorPath]bool, len(l.paths))
		for i, p := range l.paths {
			here := pos{li, i}
			if inList[p] {
				return newError(ReasonConflictingPath, field(here), fmt.Sprintf("%q is listed twice", p))
			}
			inList[p] = true
			if !l.fs {
				readers[p] = here
				continue
			}
			if first, ok := fsFirst[p]; ok {
				return newError(ReasonConflictingPath, field(here), fmt.Sprintf("%q is already listed in %s", p, field(first)))
			}
			fsFirst[p] = here
			if first, ok := readers[p]; ok && l.writeOnly {
				return newError(ReasonConflictingPath, field(here),
					fmt.Sprintf("%q is write-only, which denies reading it, but %s needs to read it", p, field(first)))
			}
		}
	}
	return nil
}

func checkCapabilities(c *v1.AppArmorCapabilityRules) error {
	if c == nil {
		return nil
	}
	seen := map[string]bool{}
	for i, name := range c.AllowedCapabilities {
		field := fmt.Sprintf("spec.abstract.capability.allowedCapabilities[%d]", i)
		if !slices.Contains(Capabilities, name) {
			return newError(ReasonInvalidCapability, field,
				fmt.Sprintf("unknown capability %q: use the kernel's name in lower case without CAP_, e.g. net_bind_service", name))
		}
		if seen[name] {
			return newError(ReasonInvalidCapability, field, fmt.Sprintf("capability %q is listed twice", name))
		}
		seen[name] = true
	}
	return nil
}
