package recording

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

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
