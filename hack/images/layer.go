package main

// Layers are written by hand, not from a directory on disk, so nothing of
// the build machine (mtimes, owners, umask, directory order) leaks into
// them: the same inputs always give the same digest, and re-importing an
// unchanged image is a no-op for containerd.

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// epoch is every mtime and the image creation time. Unix 0, not Go's zero
// time, because ustar headers cannot hold dates before 1970.
var epoch = time.Unix(0, 0).UTC()

// entry is one file, directory or symlink of a layer, always owned by
// uid/gid (root unless set).
type entry struct {
	path     string // relative to /, no leading slash
	mode     fs.FileMode
	uid, gid int
	data     []byte
	link     string
}

func dir(p string, perm fs.FileMode) entry { return entry{path: p, mode: fs.ModeDir | perm} }

func file(p string, perm fs.FileMode, data []byte) entry {
	return entry{path: p, mode: perm, data: data}
}

func symlink(p, target string) entry {
	return entry{path: p, mode: fs.ModeSymlink | 0o777, link: target}
}

// layer makes an image layer from entries, sorted by path so a parent
// directory always precedes what it holds.
func layer(entries []entry) (v1.Layer, error) {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	if err := checkParents(sorted); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range sorted {
		if err := writeEntry(tw, e); err != nil {
			return nil, fmt.Errorf("%s: %w", e.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithCompressedCaching)
}

// checkParents rejects a layer whose files would make the runtime invent
// their directories, with whatever mode it picks.
func checkParents(sorted []entry) error {
	dirs := map[string]bool{".": true}
	for _, e := range sorted {
		if parent := path.Dir(e.path); !dirs[parent] {
			return fmt.Errorf("layer: %s has no parent directory entry %s", e.path, parent)
		}
		if e.mode.IsDir() {
			dirs[e.path] = true
		}
	}
	return nil
}

func writeEntry(tw *tar.Writer, e entry) error {
	hdr := &tar.Header{
		Name:    e.path,
		Mode:    tarMode(e.mode),
		Uid:     e.uid,
		Gid:     e.gid,
		ModTime: epoch,
		Format:  tar.FormatUSTAR,
	}
	switch {
	case e.mode.IsDir():
		hdr.Typeflag, hdr.Name = tar.TypeDir, e.path+"/"
	case e.mode&fs.ModeSymlink != 0:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.link
	default:
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.data))
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(e.data)
	return err
}

// tarMode keeps the sticky bit, which fs.FileMode holds outside Perm: /tmp
// without it would let any user delete another's files.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
