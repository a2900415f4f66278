package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/secprofiles/spo/daemon/containerid"
	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfile"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
	"github.com/secprofiles/spo/daemon/enricher/source"
	"github.com/secprofiles/spo/daemon/metricsink"
)

// enricherFlags are log-enricher's own flags.
type enricherFlags struct {
	path, output, procRoot   string
	once, strict, fromStart  bool
	node, socket, sourceKind string
	filters, metricsSink     string
	logRate                  float64
	logBurst                 int
}

func (f *enricherFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.path, "audit-log", source.DefaultAuditLog, "auditd log (RAW or ENRICHED) or kernel/syslog file to read")
	fs.BoolVar(&f.once, "once", false, "parse the file once, print its records as JSON and exit")
	fs.BoolVar(&f.fromStart, "from-start", false, "when following a file, start at its beginning instead of its end")
	fs.StringVar(&f.output, "output", "", "json: print one JSON object per record instead of serving (implied by --once; without --once, follows --audit-log)")
	fs.BoolVar(&f.strict, "strict", false, "when printing, exit non-zero at the first malformed audit line")
	fs.StringVar(&f.procRoot, "proc", "/proc", "the host's /proc, to find the container of a record's pid")
	fs.StringVar(&f.metricsSink, "metrics-sink-socket", metricsink.DefaultSocket,
		"the daemon's socket to push this component's metrics to (\"\" disables)")
	fs.StringVar(&f.node, "node-name", envOr("NODE_NAME", ""), "name of this node; only its pods are watched (env NODE_NAME; required when serving)")
	fs.StringVar(&f.socket, "socket", enricher.DefaultSocket, "Unix socket the gRPC service listens on (mode 0600)")
	fs.StringVar(&f.sourceKind, "source", source.KindAuto, "where audit records come from: auto, auditd, syslog or netlink")
	fs.StringVar(&f.filters, "filters", envOr("SPO_ENRICHER_FILTERS", ""),
		`log line filters, a JSON list in SPO's format ([{"priority":1,"level":"None","matchKeys":["namespace"],"matchValues":["kube-system"]}]) or spo's ([{"action":"drop","namespace":"kube-system"}]) (env SPO_ENRICHER_FILTERS); never affect recordings`)
	fs.Float64Var(&f.logRate, "log-rate", 100, "audit log lines per second at most (0: unlimited); records over it are counted, not logged")
	fs.IntVar(&f.logBurst, "log-burst", 200, "audit log lines allowed at once above --log-rate")
}

// runLogEnricher is the node-local audit log enricher. By default it
// serves recordings to the daemon; --once (or --output json) prints the
// records of a file instead, for troubleshooting without a cluster.
func runLogEnricher(args []string) error {
	var c common
	var f enricherFlags
	fs := flag.NewFlagSet("log-enricher", flag.ContinueOnError)
	c.register(fs, ":8096", ":8097", "localhost:6064")
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.once || f.output != "" {
		return printMode(c, f)
	}
	return serveEnricher(c, f)
}

func printMode(c common, f enricherFlags) error {
	c.start("log-enricher")
	if f.output != "" && f.output != "json" {
		return fmt.Errorf("--output %q: only json is supported", f.output)
	}
	p := &printer{enc: json.NewEncoder(os.Stdout), stderr: os.Stderr, strict: f.strict, procRoot: f.procRoot}
	if !f.once {
		return followRecords(f.path, f.fromStart, p)
	}
	file, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer file.Close()
	return printRecords(file, p)
}

// record is one JSON output line: the event, where it was read and, when
// its process still runs, its container.
type record struct {
	Line        int    `json:"line"`
	ContainerID string `json:"containerID,omitempty"`
	audit.Event
}

// printer turns lines into JSON records. Non-audit lines and other record
// types are skipped silently; malformed audit lines are reported on
// stderr with their line number and skipped, or are an error when strict.
type printer struct {
	enc      *json.Encoder
	stderr   io.Writer
	strict   bool
	procRoot string
}

func (p *printer) line(n int, line string) error {
	ev, err := audit.Parse(line)
	switch {
	case errors.Is(err, audit.ErrNotAudit), errors.Is(err, audit.ErrUnsupported):
		return nil
	case err != nil && p.strict:
		return fmt.Errorf("line %d: %w", n, err)
	case err != nil:
		fmt.Fprintf(p.stderr, "line %d: skipped: %v\n", n, err)
		return nil
	}
	r := record{Line: n, Event: ev}
	if pid := pidOf(ev); pid > 0 {
		r.ContainerID, _ = containerid.OfPid(p.procRoot, pid)
	}
	return p.enc.Encode(r)
}

func pidOf(ev audit.Event) int {
	switch {
	case ev.Seccomp != nil:
		return ev.Seccomp.PID
	case ev.AVC != nil:
		return ev.AVC.PID
	case ev.AppArmor != nil:
		return ev.AppArmor.PID
	}
	return 0
}

// printRecords prints every record of r.
func printRecords(r io.Reader, p *printer) error {
	sc := bufio.NewScanner(r)
	// auditd lines with long paths or proctitles exceed the 64 KiB default.
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		if err := p.line(n, sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// followRecords prints the records appended to path until SIGTERM or
// SIGINT, across auditd's log rotation.
func followRecords(path string, fromStart bool, p *printer) error {
	ctx, cancel := context.WithCancel(ctrl.SetupSignalHandler())
	defer cancel()
	var failed error
	err := logfile.Follow(ctx, path, fromStart, 200*time.Millisecond, func(n int, line string) {
		if failed == nil {
			if failed = p.line(n, line); failed != nil {
				cancel()
			}
		}
	})
	if failed != nil {
		return failed
	}
	return err
}

// serveEnricher runs the service: a manager for the node's pod cache,
// metrics and probes; the gRPC server; and source → parse → collect.
// Flags are checked before anything starts.
func serveEnricher(c common, f enricherFlags) error {
	if f.node == "" {
		return errors.New("--node-name (or NODE_NAME) is required when serving")
	}
	filters, err := logfilter.Parse(f.filters)
	if err != nil {
		return fmt.Errorf("--filters: %w", err)
	}
	c.start("log-enricher")
	log := ctrl.Log.WithName("log-enricher")
	rest, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	opts := c.managerOptions()
	opts.Cache = enricher.CacheOptions(f.node)
	mgr, err := ctrl.NewManager(rest, opts)
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	src, err := source.New(f.sourceKind, source.Options{AuditLog: f.path, FromStart: f.fromStart})
	if err != nil {
		return err
	}
	log.Info("reading audit records", "source", src.Name(), "node", f.node, "socket", f.socket)
	index := enricher.NewCachePodIndex()
	col := enricher.NewCollector(enricher.Config{Node: f.node, ProcRoot: f.procRoot, Index: index, Log: log,
		Filters: filters, LogRate: f.logRate, LogBurst: f.logBurst})
	ctx := ctrl.LoggerInto(ctrl.SetupSignalHandler(), log)
	svc := &enricher.Service{Collector: col, Index: index, Sources: []source.Source{src}, Socket: f.socket}
	if err := svc.SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	if err := addMetricsPusher(mgr, "log-enricher", f.metricsSink); err != nil {
		return err
	}
	if err := addProbes(mgr); err != nil {
		return err
	}
	return mgr.Start(ctx)
}
