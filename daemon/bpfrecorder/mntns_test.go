package bpfrecorder

import (
	"fmt"
	"os"
	"testing"
)

func TestParseMountNamespace(t *testing.T) {
	good := map[string]uint32{
		"mnt:[4026531841]": 4026531841,
		"mnt:[1]":          1,
		"mnt:[4294967295]": 4294967295,
	}
	for in, want := range good {
		got, err := ParseMountNamespace(in)
		if err != nil || got != want {
			t.Errorf("ParseMountNamespace(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "mnt:[]", "net:[4026531840]", "mnt:[12", "mnt:[4294967296]",
		"mnt:[+1]", "mnt:[-1]", "mnt:[0]", "mnt:[01]", "mnt:[1x]", "mnt:[1]\n"} {
		if got, err := ParseMountNamespace(in); err == nil {
			t.Errorf("ParseMountNamespace(%q) = %d, want an error", in, got)
		}
	}
}

func TestMountNamespaceOfSelf(t *testing.T) {
	link, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Skipf("no /proc/self/ns/mnt: %v", err)
	}
	got, err := MountNamespaceOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("mnt:[%d]", got); want != link {
		t.Fatalf("MountNamespaceOf(self) = %d, link is %q", got, link)
	}
	if _, err := MountNamespaceOf(-1); err == nil {
		t.Fatal("MountNamespaceOf(-1) succeeded")
	}
}

func FuzzParseMountNamespace(f *testing.F) {
	for _, s := range []string{"mnt:[4026531841]", "mnt:[]", "mnt:[-1]", "pid:[1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseMountNamespace(s)
		if err != nil {
			return
		}
		if back := fmt.Sprintf("mnt:[%d]", n); back != s {
			t.Fatalf("%q parsed as %d, which prints as %q", s, n, back)
		}
	})
}
