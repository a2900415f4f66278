package bpfrecorder

import (
	"errors"
	"slices"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

func TestNumbersOf(t *testing.T) {
	words := make([]uint64, 16)
	for _, n := range []int{0, 1, 63, 64, 200, 1023} {
		words[n/64] |= 1 << (n % 64)
	}
	if got, want := numbersOf(words), []int{0, 1, 63, 64, 200, 1023}; !slices.Equal(got, want) {
		t.Fatalf("numbersOf = %v, want %v", got, want)
	}
	if got := numbersOf(make([]uint64, 16)); got != nil {
		t.Fatalf("numbersOf(empty) = %v", got)
	}
}

func TestNamesOf(t *testing.T) {
	arch := seccomp.ArchAMD64
	// 0 read, 59 execve, 231 exit_group on x86_64; 1000 has no name.
	names, err := namesOf([]int{231, 0, 59}, arch)
	if err != nil || !slices.Equal(names, []string{"execve", "exit_group", "read"}) {
		t.Fatalf("namesOf = %v, %v", names, err)
	}
	names, err = namesOf([]int{0, 1000}, arch)
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || !slices.Equal(unresolved.Numbers, []int{1000}) {
		t.Fatalf("namesOf(1000) error = %v, want an UnresolvedError naming 1000", err)
	}
	if !slices.Equal(names, []string{"read"}) {
		t.Fatalf("namesOf kept %v", names)
	}
	if msg := err.Error(); msg != "syscall numbers with no name in libseccomp for amd64: 1000" {
		t.Fatalf("message %q", msg)
	}
}
