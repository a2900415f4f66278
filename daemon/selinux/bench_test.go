package selinux

import (
	"fmt"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// BenchmarkTranslate500Allow: a recorded profile of a busy service has a
// few hundred (type, class) pairs; this is 500 of them, 4 permissions each.
func BenchmarkTranslate500Allow(b *testing.B) {
	allow := allowMap{}
	classes := []v1.ObjectClassKey{"file", "dir", "sock_file", "tcp_socket", "udp_socket"}
	for i := 0; i < 100; i++ {
		typ := v1.LabelKey(fmt.Sprintf("type%03d_t", i))
		allow[typ] = map[v1.ObjectClassKey]v1.PermissionSet{}
		for _, c := range classes {
			allow[typ][c] = v1.PermissionSet{"write", "read", "open", "getattr"}
		}
	}
	p := profile("bench", allow)
	get := getter()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Translate(p, Options{}, get); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTranslateRaw500Rules: a raw policy of the same size, checked
// against the allowlist and wrapped.
func BenchmarkTranslateRaw500Rules(b *testing.B) {
	policy := "(blockinherit container)\n(type logfile)\n"
	for i := 0; i < 500; i++ {
		policy += fmt.Sprintf("(allow process type%03d_t (file (write read open getattr)))\n", i)
	}
	p := raw("bench", policy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TranslateRaw(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
