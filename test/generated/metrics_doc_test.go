package generated

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// metricDirs hold every metric spo defines.
var metricDirs = []string{"daemon", "webhooks", "reconcilers", "cmd", "metricsauth"}

// TestEveryMetricIsDocumented fails when a metric family defined in the
// code (the Name of a prometheus CounterOpts, GaugeOpts, HistogramOpts or
// SummaryOpts) is not listed in docs/metrics.md as `name`, so no family
// reaches a scrape undocumented.
func TestEveryMetricIsDocumented(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, dir := range metricDirs {
		for name, where := range metricNames(t, filepath.Join(root, dir)) {
			names[name] = where
		}
	}
	// SPO's eleven, spo's extras and the webhooks': fewer means the
	// search below no longer sees the code.
	if len(names) < 15 {
		t.Fatalf("found only %d metric families in %v: has the code moved?", len(names), metricDirs)
	}
	for name, where := range names {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("metric %s (%s) is not in docs/metrics.md: say what it counts and what its labels are", name, where)
		}
	}
}

// metricNames returns the family names of the prometheus option literals
// in the non-test Go files below dir, with where each is. A Name that is
// not a string literal fails the test: it could not be checked.
func metricNames(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isMetricOpts(lit.Type) {
				return true
			}
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok || kv.Key.(*ast.Ident).Name != "Name" {
					continue
				}
				s, ok := kv.Value.(*ast.BasicLit)
				if !ok || s.Kind != token.STRING {
					t.Errorf("%s: a metric Name that is not a string literal cannot be checked against the docs",
						fset.Position(kv.Pos()))
					continue
				}
				name, _ := strconv.Unquote(s.Value)
				out[name] = fset.Position(kv.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isMetricOpts(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Name != "prometheus" {
		return false
	}
	switch sel.Sel.Name {
	case "CounterOpts", "GaugeOpts", "HistogramOpts", "SummaryOpts":
		return true
	}
	return false
}
