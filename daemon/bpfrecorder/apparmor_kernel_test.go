package bpfrecorder

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func init() {
	// Before its exec: opens a file, and creates a raw socket (using
	// CAP_NET_RAW), that the profile must not get (the runtime's work
	// before the workload runs), then execs apparmor-work.
	helperModes["apparmor"] = func() error {
		f, err := os.Open("/etc/passwd")
		if err != nil {
			return err
		}
		f.Close()
		raw, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		if err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		unix.Close(raw)
		os.Setenv(helperEnv, "apparmor-work")
		env := os.Environ()
		return syscall.Exec(os.Args[0], []string{os.Args[0], "-test.run=^$"}, env)
	}
	helperModes["apparmor-work"] = appArmorWork
	helperAfterExec["apparmor-work"] = true
}

// appArmorWork does one of each thing an AppArmor profile must allow.
func appArmorWork() error {
	dir := os.Getenv("SPO_APPARMOR_DIR")
	if _, err := os.ReadFile("/etc/hostname"); err != nil {
		return err
	}
	if _, err := os.ReadFile("/proc/self/status"); err != nil {
		return err
	}
	if _, err := os.ReadDir("/etc"); err != nil {
		return err
	}
	// An anonymous executable mapping ignores its fd argument: the file
	// open under that fd must not become a library.
	notLib, err := os.Create(filepath.Join(dir, "not-a-library"))
	if err != nil {
		return err
	}
	defer notLib.Close()
	if _, _, errno := unix.Syscall6(unix.SYS_MMAP, 0, uintptr(os.Getpagesize()), unix.PROT_READ|unix.PROT_EXEC,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, notLib.Fd(), 0); errno != 0 {
		return fmt.Errorf("anonymous mmap: %w", errno)
	}
	written := filepath.Join(dir, "written")
	if err := os.WriteFile(written, []byte("x"), 0o600); err != nil {
		return err
	}
	if err := os.Chown(written, 1, 1); err != nil { // CAP_CHOWN
		return fmt.Errorf("chown: %w", err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	tcp.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	return udp.Close()
}

func TestRecordsWhatAnAppArmorProfileMustAllow(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{AppArmor: true})
		dir := t.TempDir()
		cmd := helperCmd("apparmor")
		cmd.Env = append(cmd.Env, "SPO_APPARMOR_DIR="+dir)
		ns, err := startTracked(rec, cmd)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rec.Forget(ns) })
		got, err := rec.AppArmor(ns)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded: files %v caps %v tcp %v udp %v raw %v", got.Files, got.Capabilities, got.TCP, got.UDP, got.Raw)
		for _, limit := range rec.AppArmorLimits() {
			t.Logf("limit on this kernel: %s", limit)
		}
		checkAppArmorSocketsAndCaps(t, got, rec.AppArmorLimits())
		if mode == KindNoBTF {
			if !slices.Contains(rec.AppArmorLimits(), noBTFAppArmorLimit) || len(got.Files) != 0 {
				t.Errorf("no-BTF: limits %q, files %v; want the files limit and no files", rec.AppArmorLimits(), got.Files)
			}
			return
		}
		checkAppArmorFiles(t, got, dir)
	})
}

// checkAppArmorSocketsAndCaps: apparmor-work's sockets and capability
// are recorded, the raw socket (and CAP_NET_RAW) made before its exec
// are not.
func checkAppArmorSocketsAndCaps(t *testing.T, got AppArmor, limits []string) {
	t.Helper()
	if !got.TCP || !got.UDP || got.Raw {
		t.Errorf("sockets: tcp %v udp %v raw %v, want tcp and udp only", got.TCP, got.UDP, got.Raw)
	}
	if slices.Contains(got.Capabilities, "net_raw") {
		t.Errorf("capabilities %v hold net_raw, used only before the exec", got.Capabilities)
	}
	capsLimited := slices.ContainsFunc(limits, func(l string) bool {
		return strings.HasPrefix(l, "capabilities are not recorded")
	})
	if !capsLimited && !slices.Contains(got.Capabilities, "chown") {
		t.Errorf("capabilities %v lack chown", got.Capabilities)
	}
}

// checkAppArmorFiles: apparmor-work's files and libraries are recorded,
// /etc/passwd opened before its exec is not.
func checkAppArmorFiles(t *testing.T, got AppArmor, dir string) {
	t.Helper()
	written := filepath.Join(dir, "written")
	want := map[string]uint8{
		"/etc/hostname":       AccessRead,
		"/proc/[0-9]*/status": AccessRead,
		"/etc/":               AccessRead,
		written:               AccessWrite,
	}
	for path, bits := range want {
		if got.Files[path]&bits != bits {
			t.Errorf("%s: access %d, want %d; files: %v", path, got.Files[path], bits, got.Files)
		}
	}
	// The helper re-exec'd the test binary: recorded as the file the
	// kernel loaded, symlinks resolved.
	if exe, err := filepath.EvalSymlinks(os.Args[0]); err != nil {
		t.Error(err)
	} else if got.Files[exe]&AccessExec == 0 {
		t.Errorf("the exec'd binary %s is not recorded as exec'd: %v", exe, got.Files)
	}
	if _, ok := got.Files["/etc/passwd"]; ok {
		t.Errorf("/etc/passwd was opened before the exec, yet recorded")
	}
	for p, bits := range got.Files {
		if bits&AccessLibrary != 0 && !strings.Contains(p, ".so") {
			t.Errorf("%s recorded as a library (an anonymous mapping's fd?)", p)
		}
	}
	if !slices.ContainsFunc(mapKeys(got.Files), func(p string) bool {
		return strings.Contains(p, "libc.so") && got.Files[p]&AccessLibrary != 0
	}) {
		t.Errorf("no libc mapped as a library in %v", got.Files)
	}
	if got.Lost != 0 {
		t.Errorf("%d file events lost", got.Lost)
	}
}

// TestNoAppArmorLoadsNoAppArmorProgram: without Options.AppArmor neither
// recorder loads its cap_capable program (the verifier prunes the rest).
func TestNoAppArmorLoadsNoAppArmorProgram(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{NoExecutables: true})
		if rec.coll.Programs["cap_capable_apparmor"] != nil {
			t.Errorf("cap_capable_apparmor loaded without Options.AppArmor")
		}
		if len(rec.AppArmorLimits()) != 0 {
			t.Errorf("limits %q without Options.AppArmor", rec.AppArmorLimits())
		}
	})
}

func mapKeys(m map[string]uint8) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
