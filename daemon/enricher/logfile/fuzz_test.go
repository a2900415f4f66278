package logfile

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLineSplitting: however the writer's bytes arrive (cut into chunks
// at any byte, a line split across reads), the follower delivers exactly
// the complete lines, in order, numbered from 1, and holds back the
// unterminated rest until its newline comes.
func FuzzLineSplitting(f *testing.F) {
	f.Add("type=AVC msg=audit(1.2:3): avc: denied\ntype=SYSCALL a\n", []byte{5, 17, 3})
	f.Add("no newline at all", []byte{1})
	f.Add("\n\n\n", []byte{0, 1, 1})
	f.Add("a\r\nb\x00c\n\xff\xfe\n", []byte{2, 2, 2})
	f.Add(strings.Repeat("x", 5000)+"\nend", []byte{200, 255, 7})
	f.Fuzz(func(t *testing.T, content string, cuts []byte) { checkLineSplitting(t, content, cuts) })
}

func checkLineSplitting(t testing.TB, content string, cuts []byte) {
	path := filepath.Join(t.TempDir(), "audit.log")
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	fl := &follower{path: path, f: r, r: bufio.NewReader(r), fn: func(n int, line string) {
		if n != len(got)+1 {
			t.Fatalf("line %d numbered %d", len(got)+1, n)
		}
		got = append(got, line)
	}}
	rest := content
	for i := 0; len(rest) > 0; i++ {
		n := len(rest)
		if i < len(cuts) {
			n = min(n, int(cuts[i])+1)
		}
		if _, err := w.WriteString(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
		if err := fl.drain(); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Split(content, "\n")
	want = want[:len(want)-1] // the unterminated rest (or "")
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d = %q, want %q", i+1, got[i], want[i])
		}
	}
	if tail := content[strings.LastIndexByte(content, '\n')+1:]; string(fl.partial) != tail {
		t.Fatalf("held back %q, want %q", fl.partial, tail)
	}
}

// BenchmarkLineInPieces: one 64 KiB line written in 256-byte pieces, each
// drained before the next arrives, as a slow writer's long record is.
func BenchmarkLineInPieces(b *testing.B) {
	line := strings.Repeat("x", 64<<10) + "\n"
	cuts := make([]byte, 256)
	for i := range cuts {
		cuts[i] = 255 // pieces of 256 bytes
	}
	for b.Loop() {
		checkLineSplitting(b, line, cuts)
	}
}
