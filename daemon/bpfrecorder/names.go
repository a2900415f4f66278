package bpfrecorder

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// numbersOf returns the syscall numbers whose bits are set, ascending.
func numbersOf(words []uint64) []int {
	var nrs []int
	for w, word := range words {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			nrs = append(nrs, w*64+b)
			word &^= 1 << b
		}
	}
	return nrs
}

// UnresolvedError lists syscall numbers libseccomp has no name for.
type UnresolvedError struct {
	Arch    seccomp.ScmpArch
	Numbers []int
}

func (e *UnresolvedError) Error() string {
	s := make([]string, len(e.Numbers))
	for i, n := range e.Numbers {
		s[i] = strconv.Itoa(n)
	}
	return fmt.Sprintf("syscall numbers with no name in libseccomp for %s: %s",
		e.Arch, strings.Join(s, ", "))
}

// namesOf resolves syscall numbers for arch. The names it could resolve are
// returned sorted, together with an *UnresolvedError for the rest.
func namesOf(nrs []int, arch seccomp.ScmpArch) ([]string, error) {
	names := make([]string, 0, len(nrs))
	var bad []int
	for _, nr := range nrs {
		name, err := seccomp.ScmpSyscall(nr).GetNameByArch(arch)
		if err != nil || name == "" {
			bad = append(bad, nr)
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if bad != nil {
		return names, &UnresolvedError{Arch: arch, Numbers: bad}
	}
	return names, nil
}
