package audit

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtureDir = "../../../test/fixtures/audit"

// records returns a fixture file's lines that are not comments.
func records(t testing.TB, file string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtureDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			out = append(out, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
