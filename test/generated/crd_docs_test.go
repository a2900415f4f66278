package generated

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// kubectlView is what `kubectl get` shows of a kind: the names it answers to
// and the columns of its table. docs/install.md and the README describe
// these; SPO 1.0 users type the same short names.
type kubectlView struct {
	shortNames []string
	// columns are the additional printer columns of every served version,
	// in order; "(wide)" marks a column only `-o wide` shows.
	columns []string
}

// kubectlViews is the table the CRDs must match. It is written out here,
// not derived from the markers, so that changing a column or short name is
// a deliberate change to this table (and to the docs) too.
var kubectlViews = map[string]kubectlView{
	"SeccompProfile":                 {[]string{"sp"}, []string{"Status", "Age", "LocalhostProfile (wide)"}},
	"SelinuxProfile":                 {nil, []string{"Usage", "Status", "Age"}},
	"RawSelinuxProfile":              {nil, []string{"Usage", "Status", "Age"}},
	"AppArmorProfile":                {[]string{"aa"}, []string{"Status", "Age"}},
	"ProfileBinding":                 {nil, []string{"Kind", "Profile", "Image", "Age"}},
	"ProfileRecording":               {nil, []string{"Kind", "Recorder", "PodSelector (wide)", "Age"}},
	"SecurityProfileNodeStatus":      {[]string{"spns"}, []string{"Status", "Age", "Node (wide)"}},
	"SecurityProfilesOperatorDaemon": {[]string{"spod"}, []string{"State", "Age"}},
}

func loadCRDs(t *testing.T) []*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crds = append(crds, crd)
	}
	return crds
}

// TestEveryFieldIsDescribed checks that `kubectl explain` has something to
// say about every field of every served version: the descriptions come
// from the Go doc comments in api/, so a missing one names the field whose
// comment is missing.
func TestEveryFieldIsDescribed(t *testing.T) {
	for _, crd := range loadCRDs(t) {
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				t.Errorf("%s %s has no schema", crd.Spec.Names.Kind, v.Name)
				continue
			}
			root := v.Schema.OpenAPIV3Schema
			if root.Description == "" {
				t.Errorf("%s %s: the kind has no description", crd.Spec.Names.Kind, v.Name)
			}
			for _, path := range undescribed(root, "") {
				t.Errorf("%s %s: %s has no description (add a doc comment to its Go field)",
					crd.Spec.Names.Kind, v.Name, path)
			}
		}
	}
}

// undescribed returns the paths of the properties below s that have no
// description. The top-level metadata is the exception: the API server
// publishes ObjectMeta's own documentation for it.
func undescribed(s *apiextensionsv1.JSONSchemaProps, path string) []string {
	var out []string
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := s.Properties[name]
		child := path + "." + name
		if child == ".metadata" {
			continue
		}
		if strings.TrimSpace(p.Description) == "" {
			out = append(out, child)
		}
		out = append(out, undescribed(&p, child)...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		out = append(out, undescribed(s.Items.Schema, path+"[]")...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		out = append(out, undescribed(s.AdditionalProperties.Schema, path+"{}")...)
	}
	return out
}

// TestShortNamesAndPrinterColumns checks the CRDs against kubectlViews.
func TestShortNamesAndPrinterColumns(t *testing.T) {
	seen := map[string]bool{}
	for _, crd := range loadCRDs(t) {
		kind := crd.Spec.Names.Kind
		seen[kind] = true
		want, ok := kubectlViews[kind]
		if !ok {
			t.Errorf("%s is not in kubectlViews: add its short names and columns (and document them)", kind)
			continue
		}
		if got := crd.Spec.Names.ShortNames; !slices.Equal(got, want.shortNames) {
			t.Errorf("%s short names are %q, want %q", kind, got, want.shortNames)
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			var got []string
			for _, c := range v.AdditionalPrinterColumns {
				name := c.Name
				if c.Priority > 0 {
					name += " (wide)"
				}
				got = append(got, name)
			}
			if !slices.Equal(got, want.columns) {
				t.Errorf("%s %s printer columns are %q, want %q", kind, v.Name, got, want.columns)
			}
		}
	}
	for kind := range kubectlViews {
		if !seen[kind] {
			t.Errorf("kubectlViews lists %s, which has no CRD", kind)
		}
	}
}
