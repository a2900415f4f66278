// Command images builds spo's container images as archives that
// `ctr -n k8s.io images import`, `podman load` and `docker load` accept,
// without a registry, a container daemon or a Containerfile build:
//
//	go run ./hack/images -out DIR -spo bin/spo-static [-busybox /bin/busybox] [-only spo,tools,pause] [-tag dev]
//
// It writes DIR/spo.tar (spo.local/spo:TAG, what the Containerfile's
// static target makes), DIR/tools.tar (spo.local/tools:dev, busybox for
// test workloads) and DIR/pause.tar (spo.local/pause:dev, a pod sandbox
// image). Layers are reproducible: building twice gives the same digests.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// options are the command line; tests fill them in directly.
type options struct {
	out     string
	spo     string
	busybox string
	only    []string
	tag     string
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err == nil {
		err = run(opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var opts options
	var only string
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	fs.StringVar(&opts.out, "out", "", "directory the image archives are written to (required)")
	fs.StringVar(&opts.spo, "spo", "", "statically linked spo binary (make \"$PWD/bin/spo-static\"); needed for the spo image")
	fs.StringVar(&opts.busybox, "busybox", defaultBusybox, "statically linked busybox for the tools image")
	fs.StringVar(&only, "only", strings.Join(imageNames(), ","), "comma-separated images to build")
	fs.StringVar(&opts.tag, "tag", "dev", "tag of the spo image")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if opts.out == "" {
		return opts, fmt.Errorf("-out is required")
	}
	opts.only = strings.Split(only, ",")
	return opts, nil
}

// run builds the selected images, in a fixed order, into opts.out.
func run(opts options) error {
	selected, err := selectImages(opts.only)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.out, 0o755); err != nil {
		return err
	}
	for _, spec := range selected {
		path := filepath.Join(opts.out, spec.name+".tar")
		ref, err := build(spec, opts, path)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.name, err)
		}
		fmt.Fprintf(os.Stderr, "images: wrote %s (%s)\n", path, ref)
	}
	return nil
}
