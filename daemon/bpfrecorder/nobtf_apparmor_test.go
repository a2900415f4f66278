package bpfrecorder

import (
	"strings"
	"testing"

	"github.com/secprofiles/spo/bpf"
)

// cap_capable as 6.18 prints it (trimmed), and a layout the program
// does not read.
const (
	fmtCapCapable = "format:\n\tfield:const struct cred * cred;\toffset:8;\tsize:8;\tsigned:0;\n" +
		"\tfield:struct user_namespace * target_ns;\toffset:16;\tsize:8;\tsigned:0;\n" +
		"\tfield:const struct user_namespace * capable_ns;\toffset:24;\tsize:8;\tsigned:0;\n" +
		"\tfield:int cap;\toffset:32;\tsize:4;\tsigned:1;\n\tfield:int ret;\toffset:36;\tsize:4;\tsigned:1;\n"
	fmtCapCapableMoved = "format:\n\tfield:const struct cred * cred;\toffset:8;\tsize:8;\tsigned:0;\n" +
		"\tfield:int cap;\toffset:16;\tsize:4;\tsigned:1;\n\tfield:int ret;\toffset:20;\tsize:4;\tsigned:1;\n"
)

func TestPrepareNoBTFAppArmorDegradesWithoutCapCapable(t *testing.T) {
	tests := []struct {
		name     string
		formats  map[string]string
		keepCaps bool
		capLimit string // prefix of the second limit; "" for none
	}{
		{"6.18", map[string]string{"capability/cap_capable": fmtCapCapable}, true, ""},
		{"before 6.14", nil, false, noCapTracepointLimit},
		{"other layout", map[string]string{"capability/cap_capable": fmtCapCapableMoved}, false,
			"capabilities are not recorded: the kernel's capability/cap_capable field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := bpf.LoadRecorderNoBTF()
			if err != nil {
				t.Fatal(err)
			}
			limits, err := prepareNoBTFAppArmor(spec, fakeTracefs(t, tt.formats), true)
			if err != nil {
				t.Fatal(err)
			}
			if got := spec.Programs["cap_capable_apparmor"] != nil; got != tt.keepCaps {
				t.Errorf("cap_capable_apparmor kept: %v, want %v", got, tt.keepCaps)
			}
			want := 1 + min(len(tt.capLimit), 1)
			if len(limits) != want || limits[0] != noBTFAppArmorLimit ||
				(tt.capLimit != "" && !strings.HasPrefix(limits[1], tt.capLimit)) {
				t.Errorf("limits %q, want the files limit then %q", limits, tt.capLimit)
			}
		})
	}
}

func TestPrepareNoBTFAppArmorOffLoadsNothing(t *testing.T) {
	spec, err := bpf.LoadRecorderNoBTF()
	if err != nil {
		t.Fatal(err)
	}
	dir := fakeTracefs(t, map[string]string{"capability/cap_capable": fmtCapCapable})
	limits, err := prepareNoBTFAppArmor(spec, dir, false)
	if err != nil || len(limits) != 0 || spec.Programs["cap_capable_apparmor"] != nil {
		t.Errorf("off: limits %q, err %v, cap_capable_apparmor kept %v; want nothing",
			limits, err, spec.Programs["cap_capable_apparmor"] != nil)
	}
}
