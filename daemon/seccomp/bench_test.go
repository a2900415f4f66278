package seccomp

import "testing"

// BenchmarkMarshalOCI400 converts a recorded-size profile (400 real syscall
// names) to the file content the daemon writes.
func BenchmarkMarshalOCI400(b *testing.B) {
	spec := bigProfile(b, 400)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalOCI(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate400 checks the same profile against libseccomp, which the
// daemon does on every reconcile.
func BenchmarkValidate400(b *testing.B) {
	spec := bigProfile(b, 400)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnknownSyscalls400 looks the same profile's names up on each of
// its three architectures, which the daemon does on every install to warn
// about names runtimes skip.
func BenchmarkUnknownSyscalls400(b *testing.B) {
	spec := bigProfile(b, 400)
	b.ReportAllocs()
	for b.Loop() {
		UnknownSyscalls(spec)
	}
}
