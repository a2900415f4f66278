package spod

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/daemon/kubeletdir"
)

func node(name string, labels, annotations map[string]string) corev1.Node {
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations}}
}

func TestNodeKubeletDirs(t *testing.T) {
	label := func(v string) map[string]string { return map[string]string{kubeletdir.LabelDirectoryLocation: v} }
	annotation := func(v string) map[string]string { return map[string]string{kubeletdir.AnnotationKubeletDir: v} }
	for _, tc := range []struct {
		name        string
		nodes       []corev1.Node
		wantDirs    []string
		wantRefused []string
	}{
		{name: "names nothing for nodes that name nothing", nodes: []corev1.Node{node("a", nil, nil)}},
		{name: "lists each directory once, sorted", nodes: []corev1.Node{
			node("a", label("mnt-resource-kubelet"), nil), node("b", nil, annotation("/data/kubelet")),
			node("c", label("mnt-resource-kubelet"), nil)},
			wantDirs: []string{"/data/kubelet", "/mnt/resource/kubelet"}},
		{name: "takes the annotation over the label", nodes: []corev1.Node{
			node("a", label("mnt-resource-kubelet"), annotation("/data/kubelet"))},
			wantDirs: []string{"/data/kubelet"}},
		{name: "refuses nodes naming a directory wrongly and mounts the others'", nodes: []corev1.Node{
			node("a", label("etc"), nil), node("b", nil, annotation("/")), node("c", label("opt-kubelet"), nil)},
			wantDirs: []string{"/opt/kubelet"}, wantRefused: []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dirs, refused := NodeKubeletDirs(tc.nodes)
			if !slices.Equal(dirs, tc.wantDirs) {
				t.Errorf("dirs %v, want %v", dirs, tc.wantDirs)
			}
			var names []string
			for n := range refused {
				names = append(names, n)
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.wantRefused) {
				t.Errorf("refused %v, want %v", names, tc.wantRefused)
			}
		})
	}
}

func TestSeccompVolumes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     Params
		paths []string
	}{
		{name: "mounts the default directory alone when nothing else is named", p: Params{},
			paths: []string{"/var/lib/kubelet/seccomp"}},
		{name: "mounts the configured directory first, then the nodes' without repeating it",
			p:     Params{KubeletDir: "/data/kubelet/", NodeKubeletDirs: []string{"/data/kubelet", "/mnt/resource/kubelet"}},
			paths: []string{"/data/kubelet/seccomp", "/mnt/resource/kubelet/seccomp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, ms := seccompVolumes(tc.p), seccompMounts(tc.p)
			var paths []string
			for i, v := range vs {
				paths = append(paths, v.HostPath.Path)
				if ms[i].Name != v.Name || ms[i].MountPath != v.HostPath.Path {
					t.Errorf("volume %s of %s is mounted as %s at %s", v.Name, v.HostPath.Path, ms[i].Name, ms[i].MountPath)
				}
			}
			if !slices.Equal(paths, tc.paths) {
				t.Errorf("host paths %v, want %v", paths, tc.paths)
			}
			if vs[0].Name != "seccomp" {
				t.Errorf("the configured directory's volume is %s", vs[0].Name)
			}
		})
	}
}
