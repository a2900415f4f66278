package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
)

const mergeSynopsis = `a.yaml b.yaml ... [-o out.yaml] [--name NAME] | --check a.yaml b.yaml ...

Merges SeccompProfile (manifest or OCI JSON), AppArmorProfile or
SelinuxProfile manifests, all of one kind, into one profile that allows what
any of them allows. With --check (-c) it writes nothing, and exits 1 listing
what the first profile lacks unless it covers all the others.
`

// mergeOptions are the command line of spoc merge.
type mergeOptions struct {
	out, name string
	check     bool
}

// runMerge writes the union of several profiles of one kind, e.g.
// recordings of the same program doing different things, or checks that
// the first already covers the rest.
func runMerge(args []string) error {
	fs := newFlagSet("merge", mergeSynopsis)
	var opts mergeOptions
	fs.StringVar(&opts.out, "o", "", "output manifest (default stdout)")
	fs.StringVar(&opts.name, "name", "", "metadata.name of the result (default: from -o, else the first input's)")
	fs.BoolVar(&opts.check, "check", false, "write nothing; exit 1, naming what is missing, unless the first profile covers all others")
	fs.BoolVar(&opts.check, "c", false, "short for --check")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		fs.Usage()
		return errUsage
	case opts.check && len(pos) < 2:
		return usageError("merge --check needs the profile to check and at least one other")
	case opts.check && (opts.out != "" || opts.name != ""):
		return usageError("merge --check writes nothing: -o and --name do not apply")
	}
	kind, err := inputKind(pos)
	if err != nil {
		return err
	}
	switch kind {
	case kindAppArmorProfile:
		return mergeKind(appArmorOps, pos, opts)
	case kindSelinuxProfile:
		return mergeKind(selinuxOps, pos, opts)
	}
	return mergeKind(seccompOps, pos, opts)
}

// named is a profile to merge and the file it came from, for messages.
type named[S any] struct {
	file string
	name string
	spec *S
}

// kindOps is what merge needs to know about one kind of profile.
type kindOps[S any] struct {
	kind string
	// read parses a file known to hold this kind.
	read func(path string) (name string, spec *S, err error)
	// merge unites the inputs; it refuses what a union cannot decide.
	merge func(in []named[S]) (*S, error)
	// validate checks the result as the daemon would before installing it.
	validate func(name string, spec *S) error
	// gaps lists what first lacks of other (coverage.go); none means first
	// covers other.
	gaps func(first, other *S) []string
}

func mergeKind[S any](ops kindOps[S], paths []string, opts mergeOptions) error {
	inputs := make([]named[S], 0, len(paths))
	for _, path := range paths {
		name, spec, err := ops.read(path)
		if err != nil {
			return err
		}
		inputs = append(inputs, named[S]{file: filepath.Base(path), name: name, spec: spec})
	}
	if opts.check {
		return reportCoverage(inputs, ops.gaps)
	}
	merged, err := ops.merge(inputs)
	if err != nil {
		return err
	}
	name := mergedName(opts.name, opts.out, inputs[0].name)
	if err := ops.validate(name, merged); err != nil {
		return fmt.Errorf("merged profile: %w", err)
	}
	data, err := marshalObject(ops.kind, name, merged)
	if err != nil {
		return err
	}
	return writeOutput(opts.out, data)
}

// reportCoverage prints "a.yaml covers b.yaml c.yaml", or returns an error
// naming, for every other file, what the first lacks.
func reportCoverage[S any](in []named[S], gaps func(first, other *S) []string) error {
	first := in[0]
	var others, uncovered, lines []string
	for _, o := range in[1:] {
		others = append(others, o.file)
		g := gaps(first.spec, o.spec)
		if len(g) > 0 {
			uncovered = append(uncovered, o.file)
		}
		for _, gap := range g {
			lines = append(lines, fmt.Sprintf("missing in %s for %s: %s", first.file, o.file, gap))
		}
	}
	if len(uncovered) > 0 {
		return fmt.Errorf("%s does not cover %s\n%s", first.file, strings.Join(uncovered, " "), strings.Join(lines, "\n"))
	}
	fmt.Printf("%s covers %s\n", first.file, strings.Join(others, " "))
	return nil
}

func mergedName(flagName, out, firstName string) string {
	switch {
	case flagName != "":
		return flagName
	case out != "" && out != "-":
		return nameFromPath(out)
	}
	return firstName
}

// inputKind reads every file's kind (OCI seccomp JSON counts as
// SeccompProfile) and refuses a mix, naming the files of each kind: the
// union of a seccomp filter and an AppArmor profile means nothing.
func inputKind(paths []string) (string, error) {
	var kinds []string
	byKind := map[string][]string{}
	for _, path := range paths {
		k, err := fileKind(path)
		if err != nil {
			return "", err
		}
		if byKind[k] == nil {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], filepath.Base(path))
	}
	if len(kinds) == 1 {
		return kinds[0], nil
	}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s (%s)", k, strings.Join(byKind[k], ", ")))
	}
	return "", fmt.Errorf("cannot merge profiles of different kinds: %s", strings.Join(parts, "; "))
}

// mergeableKinds are the kinds spoc merge reads; a RawSelinuxProfile is
// hand-written CIL, which has no structure to unite.
var mergeableKinds = []string{kindSeccompProfile, kindAppArmorProfile, kindSelinuxProfile}

func fileKind(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return "", fmt.Errorf("%s: neither YAML nor JSON: %w", path, err)
	}
	if meta.Kind == "" {
		if f, err := detectFormat(data); err == nil && f == formatOCI {
			return kindSeccompProfile, nil
		}
	}
	if !slices.Contains(mergeableKinds, meta.Kind) {
		return "", fmt.Errorf("%s: kind is %q; merge takes %s manifests (or OCI seccomp JSON)", path, meta.Kind, strings.Join(mergeableKinds, ", "))
	}
	// SeccompProfile manifests may be v1beta1 (readProfile converts them);
	// the LSM kinds have only v1.
	if meta.Kind != kindSeccompProfile && meta.APIVersion != v1.GroupVersion.String() {
		return "", fmt.Errorf("%s: apiVersion is %q, want %s", path, meta.APIVersion, v1.GroupVersion)
	}
	return meta.Kind, nil
}
