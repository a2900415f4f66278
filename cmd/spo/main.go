// Command spo is the operator: one binary whose subcommands are its
// components (manager, daemon, and later webhook, bpf-recorder,
// log-enricher), so every node and controller pod runs the same image.
package main

import (
	"fmt"
	"os"

	"github.com/secprofiles/spo/cmd/spo/version"
)

var commands = map[string]func(args []string) error{
	"manager":       runManager,
	"daemon":        runDaemon,
	"webhook":       runWebhook,
	"bpf-recorder":  runBPFRecorder,
	"log-enricher":  runLogEnricher,
	"json-enricher": runJSONEnricher,
	"version":       func([]string) error { fmt.Println(version.Get()); return nil },
	// Not in the usage: what the bpf-recorder's self-test records.
	selfTestChild: runSelfTestChild,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintf(os.Stderr, "usage: %s manager|daemon|webhook|bpf-recorder|log-enricher|json-enricher|version [flags]\n", os.Args[0])
		os.Exit(2)
	}
	if err := commands[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "spo %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
