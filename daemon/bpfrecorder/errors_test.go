package bpfrecorder

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFeatureErrorNamesPrivileges(t *testing.T) {
	err := featureError(ErrNoTpBTF, "attaching tp_btf/sys_enter", unix.EPERM)
	if !errors.Is(err, ErrPermission) || !errors.Is(err, unix.EPERM) {
		t.Fatalf("EPERM became %v", err)
	}
	if !strings.Contains(err.Error(), "needs CAP_BPF and CAP_PERFMON (or root)") {
		t.Fatalf("message %q", err)
	}
	err = featureError(ErrNoTpBTF, "attaching tp_btf/sys_enter", unix.EINVAL)
	if !errors.Is(err, ErrNoTpBTF) || !strings.Contains(err.Error(), "tp_btf/sys_enter") {
		t.Fatalf("EINVAL became %v", err)
	}
}
