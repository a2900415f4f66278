package apparmor

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
)

// TestExamplesCompile translates every AppArmorProfile in examples/ and
// compiles it with the real apparmor_parser.
func TestExamplesCompile(t *testing.T) {
	files, err := filepath.Glob("../../examples/apparmorprofile*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no AppArmorProfile examples found: %v", err)
	}
	parser := testParser(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var p v1.AppArmorProfile
			if err := yaml.UnmarshalStrict(data, &p); err != nil {
				t.Fatal(err)
			}
			policy, err := Translate(&p)
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			mustCompile(t, parser, policy)
		})
	}
}
