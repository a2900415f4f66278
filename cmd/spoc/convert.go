package main

import (
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// runConvert turns a SeccompProfile manifest into OCI JSON, or OCI JSON into
// a manifest (the input's format decides the direction); a SelinuxProfile
// or RawSelinuxProfile manifest into its CIL module; an AppArmorProfile
// manifest into AppArmor policy text: what a node would install.
func runConvert(args []string) error {
	fs := newFlagSet("convert", "IN [BASE.yaml ...] [-o OUT] [--name NAME]")
	out := fs.String("o", "", "output file (default stdout)")
	name := fs.String("name", "", "metadata.name when converting OCI JSON to a manifest (default: from the input file name)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errUsage
	}
	data, err := convertFile(pos[0], pos[1:], *name)
	if err != nil {
		return err
	}
	return writeOutput(*out, data)
}

// convertFile converts the profile in path. basePaths are manifests that
// path's baseProfileName chain may name; they only make sense for a
// manifest input, since OCI profiles have no base.
func convertFile(path string, basePaths []string, name string) ([]byte, error) {
	if out, handled, err := convertLSM(path, basePaths); handled {
		return out, err
	}
	p, f, err := readProfile(path)
	if err != nil {
		return nil, err
	}
	if f == formatOCI {
		if len(basePaths) > 0 {
			return nil, fmt.Errorf("%s is OCI JSON, which has no base profile: extra arguments are only for manifests", path)
		}
		if name != "" {
			p.Name = name
		}
		return ociToManifest(p)
	}
	bases, err := readManifests(basePaths)
	if err != nil {
		return nil, err
	}
	return manifestToOCI(p, bases)
}

func ociToManifest(p *v1.SeccompProfile) ([]byte, error) {
	if err := seccomp.Validate(&p.Spec); err != nil {
		return nil, err
	}
	warnUnknownSyscalls(&p.Spec)
	return marshalManifest(p)
}

func manifestToOCI(p *v1.SeccompProfile, bases []*v1.SeccompProfile) ([]byte, error) {
	spec, err := resolveStandalone(p, bases)
	if err != nil {
		return nil, err
	}
	warnUnknownSyscalls(spec)
	return seccomp.MarshalOCI(spec)
}

// warnUnknownSyscalls says on stderr which names runtimes will skip, as
// the daemon's UnknownSyscalls warning does; the output keeps them, as the
// daemon's file does.
func warnUnknownSyscalls(spec *v1.SeccompProfileSpec) {
	if msg := seccomp.UnknownSyscallsMessage(seccomp.UnknownSyscalls(spec)); msg != "" {
		fmt.Fprintln(os.Stderr, "spoc: warning:", msg)
	}
}

// readManifests reads base profiles, which must be manifests: their names
// are what baseProfileName refers to.
func readManifests(paths []string) ([]*v1.SeccompProfile, error) {
	var out []*v1.SeccompProfile
	for _, path := range paths {
		p, f, err := readProfile(path)
		if err != nil {
			return nil, err
		}
		if f != formatManifest {
			return nil, fmt.Errorf("%s: a base profile must be a SeccompProfile manifest (its name is what baseProfileName refers to), not %s", path, f)
		}
		out = append(out, p)
	}
	return out, nil
}

// convertLSM converts SELinux and AppArmor manifests; handled is false for
// anything else, which the seccomp path then reads (and explains).
func convertLSM(path string, basePaths []string) (out []byte, handled bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, nil // the seccomp path reports it
	}
	var meta metav1.TypeMeta
	if yaml.Unmarshal(data, &meta) != nil || meta.APIVersion != v1.GroupVersion.String() {
		return nil, false, nil
	}
	switch meta.Kind {
	case "SelinuxProfile", "RawSelinuxProfile":
		var bases [][]byte
		for _, b := range basePaths {
			d, err := os.ReadFile(b)
			if err != nil {
				return nil, true, err
			}
			bases = append(bases, d)
		}
		out, err = convertSelinux(data, bases)
	case "AppArmorProfile":
		if len(basePaths) > 0 {
			return nil, true, fmt.Errorf("%s: an AppArmorProfile has no base profiles: extra arguments are only for SeccompProfile and SelinuxProfile manifests", path)
		}
		out, err = convertAppArmor(data)
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", path, err)
	}
	return out, true, nil
}
