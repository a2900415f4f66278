package recording

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/yaml"
)

// The admission policies in config/policy repeat this package's constants
// in CEL: they must name exactly what the webhook sets. (The API server's
// evaluation of them is test/integration's business.)

// policyDir is config/policy, read from the source tree.
var policyDir = filepath.Join("..", "..", "config", "policy")

// readPolicy decodes the documents of a config/policy file strictly into
// the given objects, in order.
func readPolicy(t *testing.T, file string, into ...any) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(policyDir, file))
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(data, []byte("\n---\n"))
	if len(docs) != len(into) {
		t.Fatalf("%s: %d documents, want %d", file, len(docs), len(into))
	}
	for i, doc := range docs {
		if err := yaml.UnmarshalStrict(doc, into[i]); err != nil {
			t.Fatalf("%s, document %d: %v", file, i+1, err)
		}
	}
	return string(data)
}

var quotedPrefix = regexp.MustCompile(`'(io\.containers\.trace-[a-z-]+/)'`)

// prefixLists returns every list of recording prefixes written in text,
// sorted, one per "[...]" literal.
func prefixLists(text string) [][]string {
	var lists [][]string
	for _, lit := range regexp.MustCompile(`\[('io\.containers[^\]]*)\]`).FindAllStringSubmatch(text, -1) {
		var l []string
		for _, m := range quotedPrefix.FindAllStringSubmatch(lit[1], -1) {
			l = append(l, m[1])
		}
		slices.Sort(l)
		lists = append(lists, l)
	}
	return lists
}

func TestPolicyMatchesWebhook(t *testing.T) {
	var (
		mp  admissionregistrationv1.MutatingAdmissionPolicy
		mpb admissionregistrationv1.MutatingAdmissionPolicyBinding
		vp  admissionregistrationv1.ValidatingAdmissionPolicy
		vpb admissionregistrationv1.ValidatingAdmissionPolicyBinding
	)
	strip := readPolicy(t, "recording-annotations.yaml", &mp, &mpb)
	validate := readPolicy(t, "recording.yaml", &vp, &vpb)
	want := slices.Clone(reservedPrefixes)
	slices.Sort(want)

	for _, tc := range []struct {
		sentence string
		ok       bool
	}{
		{"the stripping policy removes exactly the webhook's four prefixes, in each of its lists",
			len(prefixLists(strip)) == 2 && slices.Equal(prefixLists(strip)[0], want) && slices.Equal(prefixLists(strip)[1], want)},
		{"the validating policy keeps exactly the webhook's four prefixes fixed after creation",
			len(prefixLists(validate)) == 1 && slices.Equal(prefixLists(validate)[0], want)},
		{"the validating policy reserves the log-everything seccomp profile the webhook sets",
			strings.Contains(validate, "'"+LogEverythingLocalhostProfile+"'")},
		{"the validating policy reserves the SELinux recording type the webhook sets",
			strings.Contains(validate, "'"+SELinuxRecordingType+"'")},
		{"the seccomp profile is allowed by the Logs seccomp annotation of the same container",
			strings.Contains(validate, "'"+PrefixLogs+"' + c.name) in variables.annotations")},
		{"the SELinux type is allowed by the AVC annotation of the same container",
			strings.Contains(validate, "'"+PrefixAvcs+"' + c.name) in variables.annotations")},
		{"the stripping policy runs once, before the webhooks, and fails closed",
			mp.Spec.ReinvocationPolicy == admissionregistrationv1.NeverReinvocationPolicy &&
				mp.Spec.FailurePolicy != nil && *mp.Spec.FailurePolicy == admissionregistrationv1.Fail},
		{"the validating policy fails closed and denies",
			vp.Spec.FailurePolicy != nil && *vp.Spec.FailurePolicy == admissionregistrationv1.Fail &&
				slices.Equal(vpb.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny})},
		{"each binding binds its own policy, in every namespace",
			mpb.Spec.PolicyName == mp.Name && vpb.Spec.PolicyName == vp.Name &&
				mpb.Spec.MatchResources == nil && vpb.Spec.MatchResources == nil},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("config/policy: not true that %s", tc.sentence)
			}
		})
	}
}

// normalization is the CEL the policy applies to a localhostProfile before
// comparing it with LogEverythingLocalhostProfile, taken from the file.
func normalization(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(policyDir, "recording.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`localhostProfile\.orValue\(''\)(\.split\('/'\).*?\.join\('/'\)) == variables\.logEverything`)
	all := re.FindAllStringSubmatch(string(data), -1)
	if len(all) != 3 {
		t.Fatalf("config/policy/recording.yaml: %d normalized localhostProfile comparisons, want 3 (containers, pod, ephemeral containers)", len(all))
	}
	for _, m := range all[1:] {
		if m[1] != all[0][1] {
			t.Fatalf("config/policy/recording.yaml normalizes localhostProfile in two ways: %q and %q", all[0][1], m[1])
		}
	}
	return all[0][1]
}

// isLogEverything evaluates the policy's comparison with cel-go (the API
// server's CEL, with the strings extension it enables).
func isLogEverything(t testing.TB) func(path string) bool {
	env, err := cel.NewEnv(cel.Variable("p", cel.StringType), ext.Strings())
	if err != nil {
		t.Fatal(err)
	}
	ast, iss := env.Compile("p" + normalization(t) + " == '" + LogEverythingLocalhostProfile + "'")
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		t.Fatal(err)
	}
	return func(path string) bool {
		out, _, err := prg.Eval(map[string]any{"p": path})
		if err != nil {
			t.Fatalf("%q: %v", path, err)
		}
		return out.Value().(bool)
	}
}

// kubeletOpens says whether the kubelet would load the log-everything
// profile for localhostProfile path: it joins the path to its seccomp
// directory (filepath.Join, which cleans).
func kubeletOpens(path string) bool {
	const root = "/var/lib/kubelet/seccomp"
	return filepath.Join(root, path) == filepath.Join(root, LogEverythingLocalhostProfile)
}

// apiAccepts mirrors the API server's validation of localhostProfile: a
// relative path without ".." elements.
func apiAccepts(path string) bool {
	return !filepath.IsAbs(path) && !slices.Contains(strings.Split(path, "/"), "..")
}

func FuzzPolicyPathIsTheKubeletsFile(f *testing.F) {
	for _, seed := range []string{
		LogEverythingLocalhostProfile, "operator/./log-enricher-trace.json", "./operator/log-enricher-trace.json",
		"operator//log-enricher-trace.json", "operator/log-enricher-trace.json/", "operator/log-enricher-trace.json/.",
		".//operator/.//./log-enricher-trace.json//", "operator/log-enricher-trace.json.", "Operator/log-enricher-trace.json",
		"operator/log-enricher-trace.json/x", "operator/log-enricher-trace", "log-enricher-trace.json", "operator\\log-enricher-trace.json",
		"x/operator/log-enricher-trace.json", "", ".", "/",
	} {
		f.Add(seed)
	}
	matches := isLogEverything(f)
	f.Fuzz(func(t *testing.T, path string) {
		if !apiAccepts(path) {
			t.Skip("refused by the API server's validation")
		}
		if got, want := matches(path), kubeletOpens(path); got != want {
			t.Errorf("localhostProfile %q: policy says log-everything=%v, the kubelet opens it=%v", path, got, want)
		}
	})
}
