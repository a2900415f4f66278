package apparmor

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

const crdFile = "../../config/crd/bases/security-profiles-operator.x-k8s.io_apparmorprofiles.yaml"

// abstractSchema returns spec.abstract's schema from the generated CRD.
func abstractSchema(t *testing.T) apiextv1.JSONSchemaProps {
	t.Helper()
	data, err := os.ReadFile(crdFile)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["abstract"]
}

// TestCRDPathPatternMatchesValidate checks that admission (the CRD's
// pattern, which the API server runs with Go's regexp) and the node's
// Validate accept the same paths, so what passes admission does not fail
// on the node for its syntax, and the other way round.
func TestCRDPathPatternMatchesValidate(t *testing.T) {
	a := abstractSchema(t)
	var patterns []string
	for _, group := range []string{"executable", "filesystem"} {
		for name, list := range a.Properties[group].Properties {
			if list.Items.Schema.MaxLength == nil || *list.Items.Schema.MaxLength != maxPathLength {
				t.Errorf("%s.%s: maxLength is not %d", group, name, maxPathLength)
			}
			patterns = append(patterns, list.Items.Schema.Pattern)
		}
	}
	if len(patterns) != 5 {
		t.Fatalf("found %d path lists in the CRD, want 5", len(patterns))
	}
	re := regexp.MustCompile(patterns[0])
	inputs := []string{
		"/", "/etc/passwd", "/etc/{passwd,group}", "/proc/@{pid}/status", `/a\*b`, `/a\,b`, "/srv/[abc]*/x",
		"/opt/my app", "/tmp/a#b", "/x/{a,\\}b}", "/x/{}", "/ü/ñ",
		"", "etc", "/a\nb", "/a\tb", "/a\x00", "/a\x7f", `/a"b`, `/a\`, `/a\"`, "/a,b", "/a}", "/a{b", "/a/{b,{c}}",
		"/{a\n}", `/{a"}`, "/{a,b}}", "/a\\\n",
	}
	for _, p := range inputs {
		if re.MatchString(p) != (checkPath(p) == nil) {
			t.Errorf("%q: CRD pattern says %v, Validate says %v", p, re.MatchString(p), checkPath(p))
		}
	}
	for _, p := range patterns[1:] {
		if p != patterns[0] {
			t.Errorf("path lists disagree: %q vs %q", p, patterns[0])
		}
	}
}

func TestCRDCapabilityEnum(t *testing.T) {
	items := abstractSchema(t).Properties["capability"].Properties["allowedCapabilities"].Items.Schema
	var enum []string
	for _, e := range items.Enum {
		enum = append(enum, strings.Trim(string(e.Raw), `"`))
	}
	if !slices.Equal(enum, Capabilities) {
		t.Fatalf("CRD enum %q\nCapabilities %q", enum, Capabilities)
	}
}
