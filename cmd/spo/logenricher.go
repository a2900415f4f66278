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

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfile"
)

// runLogEnricher is the node-local audit log enricher. This version
// prints records as JSON: once for a file (troubleshooting), or following
// auditd's log across rotation until stopped.
func runLogEnricher(args []string) error {
	var c common
	var path, output string
	var once, strict, fromStart bool
	fs := flag.NewFlagSet("log-enricher", flag.ContinueOnError)
	c.register(fs, ":8096", ":8097", "localhost:6064")
	fs.StringVar(&path, "audit-log", "/var/log/audit/audit.log", "auditd log (RAW or ENRICHED) or kernel/syslog file to read")
	fs.BoolVar(&once, "once", false, "parse the file once, print its records and exit (default: follow it across rotation)")
	fs.BoolVar(&fromStart, "from-start", false, "when following, start at the file's beginning instead of its end")
	fs.StringVar(&output, "output", "json", "output format (json: one object per record)")
	fs.BoolVar(&strict, "strict", false, "exit non-zero at the first malformed audit line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.start("log-enricher")
	if output != "json" {
		return fmt.Errorf("--output %q: only json is supported", output)
	}
	p := &printer{enc: json.NewEncoder(os.Stdout), stderr: os.Stderr, strict: strict}
	if !once {
		return followRecords(path, fromStart, p)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return printRecords(f, p)
}

// record is one JSON output line: the event and where it was read.
type record struct {
	Line int `json:"line"`
	audit.Event
}

// printer turns lines into JSON records. Non-audit lines and other record
// types are skipped silently; malformed audit lines are reported on
// stderr with their line number and skipped, or are an error when strict.
type printer struct {
	enc    *json.Encoder
	stderr io.Writer
	strict bool
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
	return p.enc.Encode(record{Line: n, Event: ev})
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
