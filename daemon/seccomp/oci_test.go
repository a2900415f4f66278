package seccomp

import (
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestMarshalOCI(t *testing.T) {
	tests := map[string]struct {
		spec v1.SeccompProfileSpec
		want string
	}{
		"writes a small profile as indented OCI JSON, keeping rule order and leaving out unset fields": {
			spec: v1.SeccompProfileSpec{
				ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileEnabled},
				DefaultAction:   v1.ActErrno,
				Architectures:   []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"},
				Flags:           []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG"},
				Syscalls: []v1.SeccompSyscall{
					rule(v1.ActAllow, "write", "read"),
					{Names: []string{"personality"}, Action: v1.ActAllow, Args: []v1.SeccompArg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}}},
					{Names: []string{"clone"}, Action: v1.ActAllow, Args: []v1.SeccompArg{{Index: 0, Value: 2114060288, Op: "SCMP_CMP_MASKED_EQ"}}},
					{Names: []string{"ptrace"}, Action: v1.ActErrno, ErrnoRet: errnoRet(38)},
				},
			},
			want: `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": [
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_AARCH64"
  ],
  "flags": [
    "SECCOMP_FILTER_FLAG_LOG"
  ],
  "syscalls": [
    {
      "names": [
        "write",
        "read"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 0,
          "value": 8,
          "op": "SCMP_CMP_EQ"
        }
      ]
    },
    {
      "names": [
        "clone"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 0,
          "value": 2114060288,
          "op": "SCMP_CMP_MASKED_EQ"
        }
      ]
    },
    {
      "names": [
        "ptrace"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 38
    }
  ]
}
`,
		},
		"writes only the default action for an empty profile": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog, BaseProfileName: "ignored-resolve-first"},
			want: "{\n  \"defaultAction\": \"SCMP_ACT_LOG\"\n}\n",
		},
		"keeps the listener fields": {
			spec: v1.SeccompProfileSpec{DefaultAction: v1.ActAllow, ListenerPath: "/run/agent.sock", ListenerMetadata: "pod=a",
				Syscalls: []v1.SeccompSyscall{rule(v1.ActNotify, "mount")}},
			want: `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "listenerPath": "/run/agent.sock",
  "listenerMetadata": "pod=a",
  "syscalls": [
    {
      "names": [
        "mount"
      ],
      "action": "SCMP_ACT_NOTIFY"
    }
  ]
}
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := MarshalOCI(&tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("MarshalOCI =\n%s\nwant\n%s", got, tc.want)
			}
			again, err := MarshalOCI(&tc.spec)
			if err != nil || string(again) != string(got) {
				t.Fatalf("a second MarshalOCI gave different bytes (err %v)", err)
			}
		})
	}
}

func TestToOCISharesNoMemoryWithTheSpec(t *testing.T) {
	spec := &v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
		{Names: []string{"ptrace"}, Action: v1.ActErrno, ErrnoRet: errnoRet(38)},
	}}
	oci := ToOCI(spec)
	oci.Syscalls[0].Names[0] = "changed"
	*oci.Syscalls[0].ErrnoRet = 1
	if spec.Syscalls[0].Names[0] != "ptrace" || *spec.Syscalls[0].ErrnoRet != 38 {
		t.Fatalf("editing the OCI form changed the spec: %+v", spec.Syscalls[0])
	}
}
