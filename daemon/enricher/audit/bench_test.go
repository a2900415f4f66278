package audit

import (
	"strings"
	"testing"

	"github.com/elastic/go-libaudit/v2/auparse"
)

// auditdLines are the fixture records in auditd's format, the only one
// go-libaudit's auparse reads, so both parsers get the same input.
func auditdLines(b *testing.B) []string {
	var lines []string
	for _, file := range []string{"seccomp-auditd.log", "selinux.log", "apparmor.log"} {
		for _, l := range records(b, file) {
			if strings.HasPrefix(l, "type=") {
				lines = append(lines, l)
			}
		}
	}
	return lines
}

// BenchmarkParse compares Parse with go-libaudit's auparse (parse plus
// field interpretation, the work an enricher needs) on the same lines;
// one op is one line.
func BenchmarkParse(b *testing.B) {
	lines := auditdLines(b)
	b.Run("spo", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := Parse(lines[i%len(lines)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("auparse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m, err := auparse.ParseLogLine(lines[i%len(lines)])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Data(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
