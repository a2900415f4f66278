package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodereport"
	"github.com/secprofiles/spo/test/controlplane"
)

const benchNodes = 50

// BenchmarkManager1000ProfilesOn50Nodes runs the real `spo manager` binary
// (a separate process, so its RSS and CPU time are its own) against 50
// Node objects and 1,000 SeccompProfiles. The nodes' reports are written
// by 50 goroutines with the daemon's own reporter (daemon/nodereport),
// as 50 daemons would after installing each profile; the manager
// summarises 50 reports per profile into its status. Reports the
// manager's RSS and CPU at rest, its peak RSS, the CPU it spent, and how
// fast profiles became Installed.
func BenchmarkManager1000ProfilesOn50Nodes(b *testing.B) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env, kubeconfig := startControlPlane(b, root)
	defer func() { _ = env.Stop() }()
	c, err := client.New(env.Config, client.Options{Scheme: controlplane.Scheme()})
	must(b, err)
	ctx := context.Background()
	must(b, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "security-profiles-operator"}}))
	for n := 0; n < benchNodes; n++ {
		must(b, c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%02d", n)}}))
	}
	mgr := startManagerProcess(b, buildSpo(b, root), kubeconfig)
	defer func() { _ = mgr.Process.Kill(); _, _ = mgr.Process.Wait() }()
	time.Sleep(5 * time.Second) // started, caches synced, nothing to do
	restRSS, restCPU := statusMiB(b, mgr.Process.Pid, "VmRSS:"), cpuSeconds(b, mgr.Process.Pid)
	time.Sleep(10 * time.Second)
	idleCPU := cpuSeconds(b, mgr.Process.Pid) - restCPU

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cpuBefore := cpuSeconds(b, mgr.Process.Pid)
		start := time.Now()
		profiles := createProfiles(b, ctx, c, fmt.Sprintf("m%d-", i))
		reportAll(b, ctx, c, profiles)
		waitAllInstalled(b, ctx, c, fmt.Sprintf("m%d-", i), profilesPerRun)
		elapsed := time.Since(start)
		b.ReportMetric(float64(profilesPerRun)/elapsed.Seconds(), "profiles-Installed/s")
		b.ReportMetric(cpuSeconds(b, mgr.Process.Pid)-cpuBefore, "manager-CPU-s")
	}
	b.StopTimer()
	b.ReportMetric(restRSS, "manager-rest-RSS-MiB")
	b.ReportMetric(idleCPU/10*1000, "manager-rest-CPU-ms/s")
	b.ReportMetric(peakRSSMiB(b, mgr.Process.Pid), "manager-peak-RSS-MiB")
}

func startManagerProcess(b *testing.B, bin, kubeconfig string) *exec.Cmd {
	cmd := exec.Command(bin, "manager", "--leader-elect=false",
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "SPO_NAMESPACE=security-profiles-operator")
	must(b, cmd.Start())
	return cmd
}

func createProfiles(b *testing.B, ctx context.Context, c client.Client, prefix string) []*v1.SeccompProfile {
	out := make([]*v1.SeccompProfile, 0, profilesPerRun)
	for j := 0; j < profilesPerRun; j++ {
		p := &v1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s%d", prefix, j)},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				{Names: []string{"read", "write", "exit_group"}, Action: v1.ActAllow}}},
		}
		must(b, c.Create(ctx, p))
		out = append(out, p)
	}
	return out
}

// reportAll writes every node's Installed report for every profile, one
// goroutine per node as one daemon per node would.
func reportAll(b *testing.B, ctx context.Context, c client.Client, profiles []*v1.SeccompProfile) {
	var wg sync.WaitGroup
	errs := make(chan error, benchNodes)
	for n := 0; n < benchNodes; n++ {
		rep := nodereport.Reporter{Client: c, Node: fmt.Sprintf("node-%02d", n)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range profiles {
				st := v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateInstalled, Path: "/var/lib/kubelet/seccomp/operator/" + p.Name + ".json"}
				if err := rep.Set(ctx, p, st); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// cpuSeconds is the user+system CPU time a process has used
// (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s).
func cpuSeconds(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	must(b, err)
	// The command name (field 2) may contain spaces; fields are counted
	// after its closing parenthesis.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}
