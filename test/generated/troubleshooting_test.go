package generated

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// reasonDirs hold the code that reports reasons: node statuses, conditions
// and Events of the daemon, the webhooks and the manager.
var reasonDirs = []string{"daemon", "webhooks", "reconcilers"}

// TestEveryReasonIsDocumented fails when a `Reason… = "…"` constant in the
// code is not explained in docs/troubleshooting.md (as `Value`), so a new
// reason cannot reach users undocumented.
func TestEveryReasonIsDocumented(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string][]string{} // value -> where declared
	for _, dir := range reasonDirs {
		for value, where := range reasonConstants(t, filepath.Join(root, dir)) {
			reasons[value] = append(reasons[value], where...)
		}
	}
	if len(reasons) < 30 {
		t.Fatalf("found only %d reasons in %v: has the code moved?", len(reasons), reasonDirs)
	}
	values := make([]string, 0, len(reasons))
	for v := range reasons {
		values = append(values, v)
	}
	sort.Strings(values)
	for _, v := range values {
		if !strings.Contains(string(doc), "`"+v+"`") {
			t.Errorf("reason %q (%s) is not in docs/troubleshooting.md: say what it means and what to do",
				v, strings.Join(reasons[v], ", "))
		}
	}
}

// reasonConstants returns the string constants named Reason… declared in
// the non-test Go files below dir, by value.
func reasonConstants(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					value, err := strconv.Unquote(lit.Value)
					if err != nil {
						return err
					}
					rel, _ := filepath.Rel(filepath.Join(dir, ".."), p)
					out[value] = append(out[value], rel+":"+name.Name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
