package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/jsonenricher"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
	"github.com/secprofiles/spo/daemon/enricher/source"
	"github.com/secprofiles/spo/daemon/metricsink"
)

// jsonEnricherFlags are json-enricher's flags; the auditLog* ones are the
// SPOD's jsonEnricherOptions.
type jsonEnricherFlags struct {
	auditLog, procRoot, node, sourceKind, filters, metricsSink string
	outPath                                                    string
	maxSize, maxBackups, maxAge                                int
	intervalSeconds                                            int
}

func (f *jsonEnricherFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.auditLog, "audit-log", source.DefaultAuditLog, "auditd log to read (source auditd or auto)")
	fs.StringVar(&f.procRoot, "proc", "/proc", "the host's /proc: container, command line and environment of an exec'd pid")
	fs.StringVar(&f.node, "node-name", envOr("NODE_NAME", ""), "name of this node; only its pods are watched (env NODE_NAME; required)")
	fs.StringVar(&f.sourceKind, "source", source.KindAuto, "where audit records come from: auto, auditd, syslog or netlink")
	fs.StringVar(&f.filters, "filters", envOr("SPO_JSON_ENRICHER_FILTERS", ""),
		"exec line filters, in the log enricher's formats (env SPO_JSON_ENRICHER_FILTERS)")
	fs.StringVar(&f.metricsSink, "metrics-sink-socket", metricsink.DefaultSocket,
		"the daemon's socket to push this component's metrics to (\"\" disables)")
	fs.StringVar(&f.outPath, "audit-log-path", "", "file the JSON lines are appended to; empty: stdout")
	fs.IntVar(&f.maxSize, "audit-log-maxsize", 100, "megabytes before the file is rotated")
	fs.IntVar(&f.maxBackups, "audit-log-maxbackup", 0, "rotated files kept (0: 10, unless --audit-log-maxage is set)")
	fs.IntVar(&f.maxAge, "audit-log-maxage", 0, "days rotated files are kept (0: no limit)")
	fs.IntVar(&f.intervalSeconds, "interval-seconds", 60,
		"one line per process per interval, with the syscalls it was logged making; written when the interval ends, the process exits or execs again (0: one line per exec as it happens, other records ignored)")
}

// runJSONEnricher writes one JSON line per process exec in this node's
// containers, read from the SECCOMP records of execve.
func runJSONEnricher(args []string) error {
	var c common
	var f jsonEnricherFlags
	fs := flag.NewFlagSet("json-enricher", flag.ContinueOnError)
	c.register(fs, ":8098", ":8099", "localhost:6065")
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.node == "" {
		return errors.New("--node-name (or NODE_NAME) is required")
	}
	if f.intervalSeconds < 0 {
		return errors.New("--interval-seconds must not be negative")
	}
	filters, err := logfilter.Parse(f.filters)
	if err != nil {
		return fmt.Errorf("--filters: %w", err)
	}
	var out io.Writer = os.Stdout
	if f.outPath != "" {
		file, err := jsonenricher.OpenFile(f.outPath, jsonenricher.FileOptions{
			MaxSizeMB: f.maxSize, MaxBackups: f.maxBackups, MaxAgeDays: f.maxAge})
		if err != nil {
			return fmt.Errorf("--audit-log-path: %w", err)
		}
		defer file.Close()
		out = file
	}
	c.start("json-enricher")
	log := ctrl.Log.WithName("json-enricher")
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
	src, err := source.New(f.sourceKind, source.Options{AuditLog: f.auditLog})
	if err != nil {
		return err
	}
	log.Info("writing exec lines", "source", src.Name(), "node", f.node, "output", orStdout(f.outPath),
		"intervalSeconds", f.intervalSeconds)
	index := enricher.NewCachePodIndex()
	ctx := ctrl.LoggerInto(ctrl.SetupSignalHandler(), log)
	// Lines are written as records arrive; a pod learnt later changes
	// nothing already written.
	if err := index.Watch(ctx, mgr.GetCache(), func(string) {}); err != nil {
		return err
	}
	// Without exec events the enricher still works, but a process that
	// exits before its record is read gets no line.
	var execs *jsonenricher.Execs
	if events, err := jsonenricher.ListenExecs(log); err != nil {
		log.Error(err, "not remembering processes as they exec: an exec that exits before its audit record is read gets no line")
	} else {
		execs = jsonenricher.NewExecs()
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			return events.Run(ctx, f.procRoot, execs)
		})); err != nil {
			return err
		}
	}
	e := jsonenricher.New(jsonenricher.Config{Node: f.node, ProcRoot: f.procRoot, Index: index, Execs: execs,
		Filters: filters, Out: out, Log: log, Interval: time.Duration(f.intervalSeconds) * time.Second})
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		// The flusher stops only after the source: its last flush, once
		// the reads in flight are done, writes every line left, and no
		// record can arrive after it (the file closes when this returns).
		flushCtx, stopFlush := context.WithCancel(context.Background())
		flushed := make(chan struct{})
		go func() { e.Run(flushCtx); close(flushed) }()
		err := src.Run(ctx, func(line string) {
			if ev, err := audit.Parse(line); err == nil {
				e.Add(ev)
			}
		})
		stopFlush()
		<-flushed
		return err
	})); err != nil {
		return err
	}
	if err := addMetricsPusher(mgr, "json-enricher", f.metricsSink); err != nil {
		return err
	}
	if err := addProbes(mgr); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

func orStdout(path string) string {
	if path == "" {
		return "stdout"
	}
	return path
}
