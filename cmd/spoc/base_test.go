package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

func TestAddBase(t *testing.T) {
	recorded := []string{"read", "openat"}
	tests := map[string]struct {
		opts    recordOptions
		want    func([]string) bool
		wantErr string
	}{
		"by default the runtime's base syscalls are added, sorted, once": {
			opts: recordOptions{},
			want: func(got []string) bool {
				return slices.IsSorted(got) && slices.Contains(got, "execve") && slices.Contains(got, "futex") && len(slices.Compact(slices.Clone(got))) == len(got)
			},
		},
		"--no-base-syscalls adds nothing": {
			opts: recordOptions{noBase: true},
			want: func(got []string) bool { return slices.Equal(got, recorded) },
		},
		"--base-syscalls replaces the default list": {
			opts: recordOptions{baseList: "write, execve"},
			want: func(got []string) bool { return slices.Equal(got, []string{"execve", "openat", "read", "write"}) },
		},
		"an unknown name in --base-syscalls is an error naming it": {
			opts:    recordOptions{baseList: "write,nosuchcall"},
			wantErr: "[nosuchcall]",
		},
	}
	arch, err := libseccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	for sentence, tc := range tests {
		t.Run(sentence, func(t *testing.T) {
			got, err := addBase(tc.opts, slices.Clone(recorded), arch)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.want(got) {
				t.Fatalf("addBase = %v, %v", got, err)
			}
		})
	}
}

// TestMergeCommandGolden runs "spoc merge" on a manifest and an OCI file
// and compares the written manifest with the golden file.
func TestMergeCommandGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "merged.yaml")
	if err := runMerge([]string{testdata("recorded-a.yaml"), testdata("recorded-b.json"), "-o", out}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden := testdata("merged.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("spoc merge (-golden +got):\n%s", diff)
	}
}
