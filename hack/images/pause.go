package main

// The pause image is the pod sandbox containerd starts before any of a
// pod's containers; registry.k8s.io/pause is out of reach here, so it is
// built from hack/images/pause. Its source is embedded and compiled in a
// throwaway module, so the builder works from any directory and nothing
// pre-built is committed.

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

//go:embed pause/main.go
var pauseSource []byte

// pauseModule has no requirements; its go version is old enough that no
// toolchain is ever downloaded for it.
const pauseModule = "module pause\n\ngo 1.22\n"

func pauseImage(options) (v1.Image, error) {
	tmp, err := os.MkdirTemp("", "spo-pause-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildPause(tmp)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return newImage([]entry{file("pause", 0o755, data)}, v1.Config{
		User:       "65535:65535",
		Entrypoint: []string{"/pause"},
		WorkingDir: "/",
	}, "pause")
}

// buildPause compiles the pause program in dir and returns the binary's
// path. Static (no cgo) because the image has nothing but /pause;
// -trimpath and the fixed module name keep the binary, and so the image
// digest, the same whatever dir is.
func buildPause(dir string) (string, error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(pauseModule), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), pauseSource, 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "pause")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH,
		"GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build pause: %w\n%s", err, msg)
	}
	return out, nil
}
