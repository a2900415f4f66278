package integration

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/daemon/bpfrecorder"
	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/daemon/enricher/source"
	"github.com/secprofiles/spo/test/auditd"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/test/kubelet"
)

// recordingNode is the node whose daemon records. Its node services run
// in this process, for real: the eBPF recorder's gRPC server (loading the
// BPF program on the first Start), and the log enricher reading the log of
// a real `auditd -n` plus a file the tests append LSM fixture lines to.
const recordingNode = "node-rec"

func TestMain(m *testing.M) {
	kubelet.RunIfContainer()
	os.Exit(m.Run())
}

// recordingNodeServices is what BeforeAll of the recording specs started.
type recordingNodeServices struct {
	cfg      *rest.Config
	dcfg     daemon.Config
	bpf      *bpfrecorder.Server
	kubelet  *kubelet.Node
	lsmLog   string // fixture lines appended here reach the enricher
	stopMu   sync.Mutex
	stopNode func() // stops the node's daemon
}

// startRecordingNode starts auditd, the bpf recorder, the log enricher and
// the node's daemon, all stopped again after the specs of the container.
func startRecordingNode(ctx context.Context) *recordingNodeServices {
	GinkgoHelper()
	ad := auditd.Start(GinkgoT())
	dir, err := os.MkdirTemp("", "spo-kubelet-"+recordingNode+"-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(dir) })
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: recordingNode}}
	Expect(k8s.Create(ctx, n)).To(Succeed())
	// Once the specs are done the node leaves the cluster, as nodes do:
	// the other specs expect profiles Installed on every node that exists.
	DeferCleanup(func() { Expect(k8s.Delete(ctx, n)).To(Succeed()) })
	nodeDirs[recordingNode] = dir

	s := &recordingNodeServices{
		cfg: restConfig,
		dcfg: daemon.Config{Node: recordingNode, KubeletDir: dir, Namespace: operatorNamespace,
			BpfRecorderSocket: filepath.Join(dir, "bpf-recorder.sock"),
			EnricherSocket:    filepath.Join(dir, "log-enricher.sock"),
			StateDir:          filepath.Join(dir, "state")},
		kubelet: &kubelet.Node{Client: k8s, KubeletDir: dir, Output: GinkgoWriter},
		lsmLog:  filepath.Join(dir, "lsm-audit.log"),
	}
	Expect(os.WriteFile(s.lsmLog, nil, 0o600)).To(Succeed())
	svcCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	DeferCleanup(func() { stop(); wg.Wait() })

	s.bpf = bpfrecorder.NewServer(bpfrecorder.ServerConfig{Node: recordingNode})
	serve(&wg, func() error { return s.bpf.Serve(svcCtx, s.dcfg.BpfRecorderSocket) })
	s.startEnricher(svcCtx, &wg, ad.LogPath())
	s.startDaemon(ctx)
	DeferCleanup(s.stopDaemon)
	return s
}

func serve(wg *sync.WaitGroup, f func() error) {
	wg.Add(1)
	go func() {
		defer GinkgoRecover()
		defer wg.Done()
		Expect(f()).To(Succeed())
	}()
}

// startEnricher runs the log enricher the way `spo log-enricher` does,
// with two file sources: auditd's log and the LSM fixture log.
func (s *recordingNodeServices) startEnricher(ctx context.Context, wg *sync.WaitGroup, auditLog string) {
	GinkgoHelper()
	var sources []source.Source
	for _, path := range []string{auditLog, s.lsmLog} {
		src, err := source.New(source.KindAuditd, source.Options{AuditLog: path, FromStart: true})
		Expect(err).NotTo(HaveOccurred())
		sources = append(sources, src)
	}
	mgr, err := ctrl.NewManager(s.cfg, controlplane.ManagerOptions(manager.Options{
		Cache: enricher.CacheOptions(recordingNode)}))
	Expect(err).NotTo(HaveOccurred())
	index := enricher.NewCachePodIndex()
	col := enricher.NewCollector(enricher.Config{Node: recordingNode, ProcRoot: "/proc", Index: index,
		Log: ctrl.Log.WithName("log-enricher"), LogRate: 100, LogBurst: 200})
	svc := &enricher.Service{Collector: col, Index: index, Sources: sources, Socket: s.dcfg.EnricherSocket}
	Expect(svc.SetupWithManager(ctx, mgr)).To(Succeed())
	serve(wg, func() error { return mgr.Start(ctx) })
}

// startDaemon starts the node's daemon; stopDaemon stops it and waits, as
// a killed daemon would leave things: whatever it had not collected is
// only in its state directory and the node services.
func (s *recordingNodeServices) startDaemon(ctx context.Context) {
	GinkgoHelper()
	mgr, err := ctrl.NewManager(s.cfg, controlplane.ManagerOptions(manager.Options{Cache: daemon.CacheOptions(s.dcfg)}))
	Expect(err).NotTo(HaveOccurred())
	Expect(daemon.Setup(ctx, mgr, s.dcfg)).To(Succeed())
	dctx, cancel := context.WithCancel(ctx)
	wait := controlplane.Run(dctx, mgr)
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	s.stopNode = func() { cancel(); Expect(wait()).To(Succeed()) }
}

func (s *recordingNodeServices) stopDaemon() {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if s.stopNode != nil {
		s.stopNode()
		s.stopNode = nil
	}
}
