package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/secprofiles/spo/daemon/bpfrecorder"
	"github.com/secprofiles/spo/daemon/metricsink"
)

// runBPFRecorder serves the node-local eBPF syscall recorder on a Unix
// socket. It needs no API server access: the daemon next to it asks it to
// record and collects the results. It serves no metrics either: it pushes
// them to the daemon's socket, and the daemon serves them with the API
// server's authentication; its only TCP port is the kubelet's probes.
func runBPFRecorder(args []string) error {
	var c common
	var socket, node, procRoot, btfPath, metricsSink string
	var appArmor bool
	fs := flag.NewFlagSet("bpf-recorder", flag.ContinueOnError)
	c.registerUnserved(fs, ":8095", "localhost:6063")
	fs.StringVar(&socket, "socket", bpfrecorder.DefaultSocket, "Unix socket the gRPC service listens on (mode 0600)")
	fs.StringVar(&node, "node-name", envOr("NODE_NAME", ""), "name of the node this recorder runs on (env NODE_NAME)")
	fs.StringVar(&procRoot, "proc", "/proc", "the host's /proc (its PID 1 defines the host mount namespace, never recorded)")
	fs.StringVar(&metricsSink, "metrics-sink-socket", metricsink.DefaultSocket,
		"the daemon's socket to push this component's metrics to (\"\" disables)")
	fs.StringVar(&btfPath, "btf", "", "kernel BTF the BPF program is relocated against (default "+
		bpfrecorder.DefaultBTFPath+", or the no-BTF recorder when it is missing); \"none\" forces the no-BTF recorder (classic tracepoints)")
	fs.BoolVar(&appArmor, "apparmor", false, "also record, for AppArmorProfile recordings, the files, sockets and capabilities containers use (costs a tp_btf sys_exit program while anything records)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if node == "" {
		return errors.New("--node-name (or NODE_NAME) is required")
	}
	c.start("bpf-recorder")
	log := ctrl.Log.WithName("bpf-recorder")

	ctx := ctrl.SetupSignalHandler()
	opts := bpfrecorder.Options{ProcPath: procRoot, BTFPath: btfPath, AppArmor: appArmor}
	kind, why := bpfrecorder.SelectRecorder(btfPath)
	log.Info("eBPF recorder selected", "recorder", kind, "reason", why)
	// Fail at start, with the missing kernel feature, rather than at the
	// first recording a user asks for.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// The image has no shell: the recorded child is this binary.
	switch err := bpfrecorder.SelfTest(ctx, opts, exe, selfTestChild); {
	case errors.Is(err, bpfrecorder.ErrSelfTestPartial):
		log.Info("self-test incomplete", "reason", err.Error(), "socket", socket, "node", node)
	case err != nil:
		return err
	default:
		log.Info("self-test passed", "socket", socket, "node", node)
	}

	var ready atomic.Bool
	srv := bpfrecorder.NewServer(bpfrecorder.ServerConfig{Node: node, ProcRoot: procRoot, Options: opts,
		OnListening: func() { ready.Store(true) }})
	stopHTTP := serveHTTP(ctx, c, &ready, log.Error)
	if metricsSink != "" {
		go newPusher("bpf-recorder", metricsSink).Run(ctrl.LoggerInto(ctx, log))
	}
	defer stopHTTP()
	return srv.Serve(ctx, socket)
}

// serveHTTP serves probes and (if enabled) pprof on plain HTTP servers: a
// controller-runtime manager would need a kubeconfig this component has no
// use for. No metrics: they name nodes, containers' mount namespaces and
// profiles, which no unauthenticated reader on the network may see.
func serveHTTP(ctx context.Context, c common, ready *atomic.Bool, logErr func(error, string, ...any)) func() {
	probes := http.NewServeMux()
	probes.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	probes.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "socket not listening yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux := map[string]http.Handler{c.probeAddr: probes}
	if c.enableProfiling {
		p := http.NewServeMux()
		p.HandleFunc("/debug/pprof/", pprof.Index)
		p.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		p.HandleFunc("/debug/pprof/profile", pprof.Profile)
		p.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		p.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux[c.pprofAddr] = p
	}
	var servers []*http.Server
	for addr, h := range mux {
		s := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, s)
		go func() {
			if err := s.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logErr(err, "http server", "address", addr)
			}
		}()
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(sctx)
		}
	}
}

// selfTestChild is the hidden command the bpf-recorder's self-test
// records: it waits for a line on stdin, then execs this binary's version
// command, so the recorder has an execve to see.
const selfTestChild = "bpf-recorder-self-test-child"

func runSelfTestChild([]string) error {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, []string{exe, "version"}, os.Environ())
}
