package main

// The spo image is the Containerfile's "static" target: the static spo
// binary on a distroless-like root, run as nonroot (the daemon's pods
// override that with runAsUser 0).

import (
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// buildSpoHint names the Makefile rule; its target is an absolute path
// ($(BIN) is $(CURDIR)/bin), hence $PWD.
const buildSpoHint = `build it with: make "$PWD/bin/spo-static"`

func spoImage(opts options) (v1.Image, error) {
	if opts.spo == "" {
		return nil, fmt.Errorf("-spo is required (%s)", buildSpoHint)
	}
	if err := checkStatic(opts.spo); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, buildSpoHint)
	}
	bin, err := os.ReadFile(opts.spo)
	if err != nil {
		return nil, err
	}
	entries := append(baseRoot(), file("spo", 0o755, bin))
	return newImage(entries, v1.Config{
		User:       "65532:65532",
		Entrypoint: []string{"/spo"},
		WorkingDir: "/",
		Env:        []string{defaultPath},
	}, "spo "+opts.tag)
}
