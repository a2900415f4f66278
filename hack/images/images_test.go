package main

// These tests build the real images into a temp dir and read the archives
// back the way an importer would, so a wrong name, config or file mode
// shows up here rather than as a pod that will not start.

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// want is what one archive must hold.
type want struct {
	ref        string
	user       string
	entrypoint []string
	cmd        []string
	files      map[string]fs.FileMode // path (no leading slash) -> mode
	links      []string               // symlinks that must resolve to bin/busybox
}

func wants() map[string]want {
	base := map[string]fs.FileMode{
		"etc": fs.ModeDir | 0o755, "etc/passwd": 0o644, "etc/group": 0o644,
		"etc/nsswitch.conf": 0o644, "tmp": fs.ModeDir | fs.ModeSticky | 0o777,
		"home/nonroot": fs.ModeDir | 0o700, "root": fs.ModeDir | 0o700,
	}
	spo := map[string]fs.FileMode{"spo": 0o755}
	tools := map[string]fs.FileMode{"bin": fs.ModeDir | 0o755, "bin/busybox": 0o755}
	for p, m := range base {
		spo[p], tools[p] = m, m
	}
	return map[string]want{
		"spo": {ref: "spo.local/spo:dev", user: "65532:65532", entrypoint: []string{"/spo"}, files: spo},
		"tools": {ref: "spo.local/tools:dev", user: "0:0", cmd: []string{"sh"}, files: tools,
			links: []string{"sh", "mkdir", "ls", "cat", "grep", "sleep", "tar", "echo", "id", "rm",
				"touch", "test", "true", "false", "env"}},
		"pause": {ref: "spo.local/pause:dev", user: "65535:65535", entrypoint: []string{"/pause"},
			files: map[string]fs.FileMode{"pause": 0o755}},
	}
}

// toolsSkip says why the tools image cannot be built here, or "". Only a
// non-root developer without busybox is excused; CI installs it.
func toolsSkip() string {
	if os.Getenv("CI") == "true" || os.Geteuid() == 0 || checkStatic(defaultBusybox) == nil {
		return ""
	}
	return "no static " + defaultBusybox + " and not root, so busybox-static cannot be installed " +
		"(apt-get install busybox-static); CI=true never skips"
}

func TestImages(t *testing.T) {
	names := imageNames()
	skip := toolsSkip()
	if skip != "" {
		names = slices.DeleteFunc(names, func(n string) bool { return n == "tools" })
	}
	// Any small static binary will do as spo: the image does not run it.
	spoBin := pauseBinary(t)
	first, second := t.TempDir(), t.TempDir()
	for _, dir := range []string{first, second} {
		if err := run(options{out: dir, spo: spoBin, busybox: defaultBusybox, only: names, tag: "dev"}); err != nil {
			t.Fatal(err)
		}
	}
	spoData, err := os.ReadFile(spoBin)
	if err != nil {
		t.Fatal(err)
	}
	for n, w := range wants() {
		t.Run(n, func(t *testing.T) {
			if n == "tools" && skip != "" {
				t.Skip(skip)
			}
			img := readArchive(t, filepath.Join(first, n+".tar"), w.ref)
			checkConfig(t, img, w)
			fsys := flatten(t, img)
			checkFiles(t, fsys, w)
			checkLinks(t, fsys, w.links)
			if n == "spo" && !bytes.Equal(fsys["spo"].data, spoData) {
				t.Error("/spo is not the given binary")
			}
			again := readArchive(t, filepath.Join(second, n+".tar"), w.ref)
			sameDigest(t, img, again)
		})
	}
}

// readArchive loads an archive as an importer does: through the tag its
// manifest.json must carry.
func readArchive(t *testing.T, file, ref string) v1.Image {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(file) })
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || !slices.Equal(m[0].RepoTags, []string{ref}) {
		t.Fatalf("%s: manifest.json = %+v, want one image tagged %s", file, m, ref)
	}
	img, err := tarball.ImageFromPath(file, &tag)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func checkConfig(t *testing.T, img v1.Image, w want) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != w.user || !slices.Equal(c.Entrypoint, w.entrypoint) || !slices.Equal(c.Cmd, w.cmd) {
		t.Errorf("config User %q Entrypoint %q Cmd %q, want %q %q %q", c.User, c.Entrypoint, c.Cmd,
			w.user, w.entrypoint, w.cmd)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
}

// node is one path of an image's flattened filesystem.
type node struct {
	mode fs.FileMode
	link string
	data []byte
}

func flatten(t *testing.T, img v1.Image) map[string]node {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	nodes := map[string]node{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nodes
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		nodes[path.Clean(hdr.Name)] = node{mode: hdr.FileInfo().Mode(), link: hdr.Linkname, data: data}
	}
}

func checkFiles(t *testing.T, fsys map[string]node, w want) {
	t.Helper()
	for p, mode := range w.files {
		if n, ok := fsys[p]; !ok {
			t.Errorf("/%s missing", p)
		} else if n.mode != mode {
			t.Errorf("/%s mode %v, want %v", p, n.mode, mode)
		}
	}
}

// checkLinks resolves each /bin symlink as the kernel would, relative to
// /bin, and wants the busybox binary at the end.
func checkLinks(t *testing.T, fsys map[string]node, links []string) {
	t.Helper()
	for _, l := range links {
		n, ok := fsys["bin/"+l]
		if !ok || n.mode&fs.ModeSymlink == 0 {
			t.Errorf("/bin/%s is not a symlink", l)
			continue
		}
		target := n.link
		if !path.IsAbs(target) {
			target = path.Join("/bin", target)
		}
		if target != "/bin/busybox" {
			t.Errorf("/bin/%s -> %s, want /bin/busybox", l, target)
		}
	}
}

func sameDigest(t *testing.T, a, b v1.Image) {
	t.Helper()
	da, err := a.Digest()
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if da != db {
		t.Errorf("two builds differ: %s vs %s", da, db)
	}
}

func TestSpoTag(t *testing.T) {
	dir := t.TempDir()
	if err := run(options{out: dir, spo: pauseBinary(t), only: []string{"spo"}, tag: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	readArchive(t, filepath.Join(dir, "spo.tar"), "spo.local/spo:v1.2.3")
	if _, err := os.Stat(filepath.Join(dir, "pause.tar")); !os.IsNotExist(err) {
		t.Errorf("-only spo also wrote pause.tar (stat: %v)", err)
	}
}

func TestOnlyRejectsUnknownImage(t *testing.T) {
	if err := run(options{out: t.TempDir(), only: []string{"spo", "nginx"}}); err == nil {
		t.Fatal("-only nginx accepted")
	}
}

// A dynamically linked spo would make an image that cannot start.
func TestSpoRejectsDynamicBinary(t *testing.T) {
	sh := "/bin/sh"
	if checkStatic(sh) == nil {
		t.Skip(sh + " is static here; no dynamic binary to try")
	}
	err := run(options{out: t.TempDir(), spo: sh, only: []string{"spo"}, tag: "dev"})
	if err == nil {
		t.Fatal("dynamically linked -spo accepted")
	}
}

// pauseBinary compiles the pause program once per test into a temp dir.
func pauseBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildPause(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
