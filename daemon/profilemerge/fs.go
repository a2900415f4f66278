package profilemerge

import (
	v1 "github.com/secprofiles/spo/api/v1"
)

// access is what the filesystem lists grant one path.
type access uint8

const (
	read access = 1 << iota
	write
)

// mergeFs unites two filesystem sections: a path read in one and written in
// the other becomes read-write, since the rendered policy denies reading a
// write-only path and writing a read-only one (enforce mode), and each
// input needed the access the other denies. For the same reason a
// write-only path that execs names as an executable or library becomes
// read-write: exec and mmap need read.
func mergeFs(a, b *v1.AppArmorFsRules, exec *v1.AppArmorExecutablesRules) *v1.AppArmorFsRules {
	got := map[v1.AppArmorPath]access{}
	for _, rules := range []*v1.AppArmorFsRules{a, b} {
		if rules == nil {
			continue
		}
		add(got, rules.ReadOnlyPaths, read)
		add(got, rules.WriteOnlyPaths, write)
		add(got, rules.ReadWritePaths, read|write)
	}
	if exec != nil {
		for _, p := range append(exec.AllowedExecutables, exec.AllowedLibraries...) {
			if got[p] == write {
				got[p] = read | write
			}
		}
	}
	out := &v1.AppArmorFsRules{}
	for p, acc := range got {
		switch acc {
		case read:
			out.ReadOnlyPaths = append(out.ReadOnlyPaths, p)
		case write:
			out.WriteOnlyPaths = append(out.WriteOnlyPaths, p)
		default:
			out.ReadWritePaths = append(out.ReadWritePaths, p)
		}
	}
	if len(got) == 0 {
		return nil
	}
	out.ReadOnlyPaths = unionOf(out.ReadOnlyPaths, nil)
	out.WriteOnlyPaths = unionOf(out.WriteOnlyPaths, nil)
	out.ReadWritePaths = unionOf(out.ReadWritePaths, nil)
	return out
}

func add(got map[v1.AppArmorPath]access, paths []v1.AppArmorPath, acc access) {
	for _, p := range paths {
		got[p] |= acc
	}
}
