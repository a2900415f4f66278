package main

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// imageSpec names one image and how to make it. The list is the single
// place that says which images exist, so -only, the archive names and the
// references cannot disagree.
type imageSpec struct {
	name  string // archive DIR/<name>.tar and repository spo.local/<name>
	image func(options) (v1.Image, error)
}

var specs = []imageSpec{
	{name: "spo", image: spoImage},
	{name: "tools", image: toolsImage},
	{name: "pause", image: pauseImage},
}

func imageNames() []string {
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	return names
}

// selectImages keeps the order of specs, not of -only, so output is stable.
func selectImages(only []string) ([]imageSpec, error) {
	for _, n := range only {
		if !slices.Contains(imageNames(), strings.TrimSpace(n)) {
			return nil, fmt.Errorf("-only: unknown image %q (known: %s)", n, strings.Join(imageNames(), ", "))
		}
	}
	var selected []imageSpec
	for _, s := range specs {
		if slices.ContainsFunc(only, func(n string) bool { return strings.TrimSpace(n) == s.name }) {
			selected = append(selected, s)
		}
	}
	return selected, nil
}

// reference is what import tags the image as. Only spo's tag follows
// -tag: the tools and pause images do not change with spo's version.
func reference(name string, opts options) string {
	tag := "dev"
	if name == "spo" {
		tag = opts.tag
	}
	return "spo.local/" + name + ":" + tag
}
