package policies

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"
)

// Every embedded file is listed in Blocks (one left out would never be
// installed) and defines exactly the block Blocks says.
func TestEveryFileIsAModuleDefiningItsBlock(t *testing.T) {
	names, err := fs.Glob(files, "*.cil")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range Modules() {
		listed = append(listed, m.Name+".cil")
		blocks := regexp.MustCompile(`(?m)^\(block ([a-z_]+)$`).FindAllSubmatch(m.CIL, -1)
		if len(blocks) != 1 || string(blocks[0][1]) != m.Block {
			t.Errorf("%s.cil: top-level blocks %q, want exactly %q", m.Name, blocks, m.Block)
		}
	}
	slices.Sort(names)
	slices.Sort(listed)
	if !slices.Equal(names, listed) {
		t.Errorf("embedded %v, listed %v", names, listed)
	}
	if Modules()[0].Name != Base {
		t.Errorf("first module %s, want %s", Modules()[0].Name, Base)
	}
}

func TestReserved(t *testing.T) {
	for sentence, c := range map[string]struct {
		name string
		want bool
	}{
		"the recording domain is reserved":               {"selinuxrecording", true},
		"container, base_container's block, is reserved": {"container", true},
		"base_container, a module name, is reserved":     {"base_container", true},
		"net_container is reserved":                      {"net_container", true},
		"an ordinary profile name is not":                {"nginx", false},
		"a name merely containing container is not":      {"my-container", false},
	} {
		if got := Reserved(c.name); got != c.want {
			t.Errorf("%s: Reserved(%q) = %v", sentence, c.name, got)
		}
	}
	if got := Templates(); len(got) != 9 || got[0] != "container" || slices.Contains(got, Recording) {
		t.Errorf("Templates() = %v, want the 9 template blocks, container first", got)
	}
}
