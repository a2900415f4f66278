package kubeletdir

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/daemon/kubeletdir"
	"github.com/secprofiles/spo/test/controlplane"
)

const operatorNamespace = "security-profiles-operator"

var (
	suite *controlplane.Suite
	k8s   client.Client
	// daemons run until the suite ends.
	daemons context.Context
	stop    context.CancelFunc
	waits   []func() error
)

func TestKubeletDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount the node's kubelet directory")
	}
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "kubeletdir")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	suite, err = controlplane.StartSuite(manager.Options{}, nil)
	Expect(err).NotTo(HaveOccurred())
	k8s = suite.Client
	daemons, stop = context.WithCancel(context.Background())
	Expect(k8s.Create(daemons, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
})

var _ = AfterSuite(func() {
	if stop != nil {
		stop()
	}
	for _, wait := range waits {
		Expect(wait()).To(Succeed())
	}
	Expect(suite.Stop()).To(Succeed())
})

// startDaemon creates the node and runs a daemon for it whose configured
// kubelet directory is dir, checking mounts as in its container.
func startDaemon(node *corev1.Node, dir string) {
	ctx := context.Background()
	Expect(k8s.Create(ctx, node)).To(Succeed())
	cfg := daemon.Config{Node: node.Name, KubeletDir: dir, Namespace: operatorNamespace,
		StateDir: filepath.Join(filepath.Dir(dir), "state"), MountTable: kubeletdir.SelfMountInfo}
	mgr, err := ctrl.NewManager(suite.Config, controlplane.ManagerOptions(manager.Options{Cache: daemon.CacheOptions(cfg)}))
	Expect(err).NotTo(HaveOccurred())
	Expect(daemon.Setup(ctx, mgr, cfg)).To(Succeed())
	waits = append(waits, controlplane.Run(daemons, mgr))
}

// kubeletDir is a fresh <tmp>/kubelet with its seccomp directory. Its
// path has no "-", so that the label can name it.
func kubeletDir() string {
	tmp, err := os.MkdirTemp("", "spokubeletdir")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(os.RemoveAll(tmp)).To(Succeed()) })
	dir := filepath.Join(tmp, "kubelet")
	Expect(os.MkdirAll(filepath.Join(dir, "seccomp"), 0o755)).To(Succeed())
	return dir
}

func profile(name string) *v1.SeccompProfile {
	return &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_ALLOW"}}
}

func nodeStatus(ctx context.Context, profile, node string) func() (v1.SecurityProfileNodeStatusStatus, error) {
	return func() (v1.SecurityProfileNodeStatusStatus, error) {
		ns := &v1.SecurityProfileNodeStatus{}
		err := k8s.Get(ctx, client.ObjectKey{Name: v1.NodeStatusName("SeccompProfile", profile, node)}, ns)
		return ns.Status, err
	}
}

func warnings(ctx context.Context, reason string) func() []string {
	return func() []string {
		var list eventsv1.EventList
		Expect(k8s.List(ctx, &list)).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Reason == reason && e.Type == corev1.EventTypeWarning {
				out = append(out, e.Note)
			}
		}
		return out
	}
}

var _ = Describe("the daemon's kubelet directory", func() {
	It("reports KubeletDirNotMounted, with an Event, and writes nothing when the directory is on the root filesystem", func(ctx SpecContext) {
		dir := kubeletDir()
		table, err := os.Open(kubeletdir.SelfMountInfo)
		Expect(err).NotTo(HaveOccurred())
		defer table.Close()
		if kubeletdir.CheckMounted(table, dir) == nil {
			Skip("the temporary directory is on a mount of its own here")
		}
		startDaemon(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "unmounted"}}, dir)
		p := profile("unmounted-profile")
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Eventually(nodeStatus(ctx, p.Name, "unmounted")).Should(And(
			HaveField("Status", v1.ProfileStateError), HaveField("Reason", kubeletdir.ReasonKubeletDirNotMounted)))
		Eventually(warnings(ctx, kubeletdir.ReasonKubeletDirNotMounted)).ShouldNot(BeEmpty())
		Expect(filepath.Join(dir, "seccomp", "operator", p.Name+".json")).NotTo(BeAnExistingFile())
	})

	It("reports KubeletDirInvalid for a node naming a directory not ending in kubelet", func(ctx SpecContext) {
		startDaemon(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "greedy",
			Labels: map[string]string{kubeletdir.LabelDirectoryLocation: "etc"}}}, kubeletDir())
		p := profile("greedy-profile")
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Eventually(nodeStatus(ctx, p.Name, "greedy")).Should(And(
			HaveField("Status", v1.ProfileStateError), HaveField("Reason", kubeletdir.ReasonKubeletDirInvalid),
			HaveField("Message", ContainSubstring(kubeletdir.LabelDirectoryLocation))))
	})

	It("installs into the directory the node's label names when it is mounted", func(ctx SpecContext) {
		// The node's directory, mounted as the DaemonSet's hostPath would
		// be; the configured one is not, and must not be used.
		dir := kubeletDir()
		seccompDir := filepath.Join(dir, "seccomp")
		Expect(unix.Mount("spo-test", seccompDir, "tmpfs", 0, "")).To(Succeed())
		DeferCleanup(func() { Expect(unix.Unmount(seccompDir, unix.MNT_DETACH)).To(Succeed()) })
		label := strings.ReplaceAll(dir[1:], "/", "-")
		startDaemon(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "labelled",
			Labels: map[string]string{kubeletdir.LabelDirectoryLocation: label}}}, kubeletDir())
		p := profile("labelled-profile")
		Expect(k8s.Create(ctx, p)).To(Succeed())
		Eventually(nodeStatus(ctx, p.Name, "labelled")).Should(HaveField("Status", v1.ProfileStateInstalled))
		Expect(filepath.Join(seccompDir, "operator", p.Name+".json")).To(BeAnExistingFile())
	})
})
