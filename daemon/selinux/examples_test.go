package selinux

import (
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/selinuxd"
)

// TestExamplesCompile renders every SELinux example and compiles it with
// secilc: an example users copy must be a module a node would load.
func TestExamplesCompile(t *testing.T) {
	secilc := selinuxd.RequireSecilc(t)
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(data, &tm); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cil, err := translateExample(tm.Kind, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if cil == nil {
			continue
		}
		seen++
		if err := selinuxd.Compile(secilc, cil); err != nil {
			t.Errorf("%s does not compile: %v\n%s", f, err, cil)
		}
	}
	if seen < 2 {
		t.Fatalf("found %d SELinux examples, want the SelinuxProfile and the RawSelinuxProfile", seen)
	}
}

func translateExample(kind string, data []byte) ([]byte, error) {
	switch kind {
	case "SelinuxProfile":
		var p v1.SelinuxProfile
		if err := yaml.UnmarshalStrict(data, &p); err != nil {
			return nil, err
		}
		return Translate(&p, Options{}, getter())
	case "RawSelinuxProfile":
		var p v1.RawSelinuxProfile
		if err := yaml.UnmarshalStrict(data, &p); err != nil {
			return nil, err
		}
		return TranslateRaw(&p, Options{})
	}
	return nil, nil
}
