package main

// An image is one layer plus a config, written as a docker-archive
// (tarball.Write): the one format that ctr import, podman load and docker
// load all accept and tag from its manifest.json RepoTags without flags.

import (
	"fmt"
	"os"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// defaultPath is the PATH of Debian and distroless images; the runtime
// would otherwise leave it unset for exec'd commands.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// newImage is a single-layer linux image for the host architecture: the
// only node it is meant for is this machine's containerd.
func newImage(entries []entry, cfg v1.Config, comment string) (v1.Image, error) {
	l, err := layer(entries)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:   l,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "hack/images", Comment: comment},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: epoch}
	cf.Config = cfg
	return mutate.ConfigFile(img, cf)
}

// build makes spec's image and writes it to path, through a temporary
// file so an interrupted run never leaves a truncated archive to import.
func build(spec imageSpec, opts options, path string) (string, error) {
	ref, err := name.NewTag(reference(spec.name, opts))
	if err != nil {
		return "", err
	}
	img, err := spec.image(opts)
	if err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := tarball.WriteToFile(tmp, ref, img); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return ref.String(), os.Rename(tmp, path)
}
