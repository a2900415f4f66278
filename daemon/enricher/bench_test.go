package enricher

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/elastic/go-libaudit/v2/auparse"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

const (
	benchLines = 20000
	benchPids  = 200 // 3 in 4 in one of 8 containers, the rest host processes
)

// benchContainer is the id of container i.
func benchContainer(i int) string { return fmt.Sprintf("%064x", i+1) }

// benchFile writes a log of mixed records, all in auditd's RAW format
// (the one auparse reads): 60% SECCOMP, 15% AVC, 15% AppArmor, 10%
// SYSCALL (a type the enricher skips); and the /proc tree of their pids.
func benchFile(b *testing.B) (path string, proc *fakeProc, index *mapIndex) {
	proc, index = newFakeProc(b), &mapIndex{}
	for pid := 1000; pid < 1000+benchPids; pid++ {
		id := ""
		if pid%4 != 0 {
			id = benchContainer(pid % 8)
		}
		proc.run(pid, id, "/usr/bin/app")
	}
	for i := range 8 {
		index.set(benchContainer(i), Workload{Namespace: "bench", Pod: fmt.Sprintf("pod-%d", i), Container: "app",
			SeccompKey: fmt.Sprintf("rec_app_%05d_1", i), SELinuxKey: fmt.Sprintf("sel_app_%05d_1", i),
			AppArmorKey: fmt.Sprintf("aa_app_%05d_1", i)})
	}
	var sb strings.Builder
	for i := range benchLines {
		pid := 1000 + i%benchPids
		switch r := i % 20; {
		case r < 12:
			sb.WriteString(seccompLine(pid, i%300, "/usr/bin/app"))
		case r < 15:
			sb.WriteString(avcLine(pid, []string{"read", "open read", "write"}[i%3], []string{"file", "dir"}[i%2]))
		case r < 18:
			sb.WriteString(appArmorLine(pid, "ALLOWED", "open", fmt.Sprintf(`name="/etc/f%d" requested_mask="r" denied_mask="r"`, i%50)))
		default:
			fmt.Fprintf(&sb, "type=SYSCALL msg=audit(1700000000.123:9): arch=c000003e syscall=1 success=yes exit=1 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=%d auid=0 uid=0 comm=\"app\" exe=\"/usr/bin/app\"", pid)
		}
		sb.WriteByte('\n')
	}
	path = filepath.Join(b.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return path, proc, index
}

// eachLine calls fn for every line of the file, as a file source would.
func eachLine(b *testing.B, path string, fn func(string)) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fn(sc.Text())
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEnrich reads the file and parses, attributes (containerid from
// the /proc tree, cached), logs (100 lines/s, zap JSON to io.Discard),
// counts and collects every line; auparse parses and interprets the
// same lines. One op is one pass over the file; lines/s and allocs/line
// are the figures to compare.
func BenchmarkEnrich(b *testing.B) {
	path, proc, index := benchFile(b)
	b.Run("spo", func(b *testing.B) {
		c := NewCollector(Config{Node: "n1", ProcRoot: proc.root, Index: index,
			Log: zap.New(zap.WriteTo(io.Discard)), LogRate: 100, LogBurst: 200})
		perLine(b, func() {
			eachLine(b, path, func(l string) {
				if ev, err := audit.Parse(l); err == nil {
					c.Add(ev)
				}
			})
		})
		if _, ok := c.Syscalls("rec_app_00001_1"); !ok {
			b.Fatal("nothing collected")
		}
	})
	b.Run("auparse", func(b *testing.B) {
		perLine(b, func() {
			eachLine(b, path, func(l string) {
				m, err := auparse.ParseLogLine(l)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Data(); err != nil {
					b.Fatal(err)
				}
			})
		})
	})
}

// perLine runs pass b.N times and reports per-line figures.
func perLine(b *testing.B, pass func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pass()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	lines := float64(b.N) * benchLines
	b.ReportMetric(lines/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/lines, "allocs/line")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/lines, "ns/line")
}
