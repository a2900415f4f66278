package kubeletdir

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		labels      map[string]string
		configured  string
		want        Dir
		wantErr     string
	}{
		{name: "uses the kubelet's default when nothing names a directory",
			want: Dir{Path: Default, Source: SourceDefault}},
		{name: "uses the configured directory when the node names none", configured: "/data/k8s/",
			want: Dir{Path: "/data/k8s", Source: SourceConfigured}},
		{name: "refuses a relative configured directory", configured: "data", wantErr: "--kubelet-dir"},
		{name: "prefers the label to the configured directory", configured: "/data/kubelet",
			labels: map[string]string{LabelDirectoryLocation: "mnt-resource-kubelet"},
			want:   Dir{Path: "/mnt/resource/kubelet", Source: SourceLabel}},
		{name: "prefers spo's annotation to the label",
			annotations: map[string]string{AnnotationKubeletDir: "/var/lib/k0s/kubelet"},
			labels:      map[string]string{LabelDirectoryLocation: "mnt-resource-kubelet"},
			want:        Dir{Path: "/var/lib/k0s/kubelet", Source: SourceAnnotation}},
		{name: "reports a bad label instead of falling back", configured: "/data/kubelet",
			labels: map[string]string{LabelDirectoryLocation: "mnt-resource-"}, wantErr: LabelDirectoryLocation},
		{name: "reports a bad annotation instead of falling back to a good label",
			annotations: map[string]string{AnnotationKubeletDir: "relative/kubelet"},
			labels:      map[string]string{LabelDirectoryLocation: "mnt-resource-kubelet"}, wantErr: AnnotationKubeletDir},
		{name: "refuses an annotation not ending in kubelet",
			annotations: map[string]string{AnnotationKubeletDir: "/etc"}, wantErr: `does not end in "kubelet"`},
		{name: "refuses an annotation that is not clean",
			annotations: map[string]string{AnnotationKubeletDir: "/x/../etc/kubelet"}, wantErr: "not a clean path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.annotations, tc.labels, tc.configured)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDecodeLabel(t *testing.T) {
	for _, tc := range []struct {
		name, value, want, wantErr string
	}{
		{name: "turns every dash into a slash", value: "mnt-resource-kubelet", want: "/mnt/resource/kubelet"},
		{name: "decodes microk8s' directory", value: "var-snap-microk8s-common-var-lib-kubelet",
			want: "/var/snap/microk8s/common/var/lib/kubelet"},
		{name: "accepts kubelet at the root", value: "kubelet", want: "/kubelet"},
		{name: "refuses an empty value", value: "", wantErr: "empty"},
		{name: "refuses what is not a label value", value: "-var-lib-kubelet", wantErr: "valid label"},
		{name: "refuses doubled dashes", value: "var--kubelet", wantErr: "empty path element"},
		{name: "refuses a parent element", value: "var-..-kubelet", wantErr: `".."`},
		{name: "refuses a directory not ending in kubelet", value: "etc", wantErr: `does not end in "kubelet"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeLabel(tc.value)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("DecodeLabel(%q) = %q, %v; want %q", tc.value, got, err, tc.want)
			}
		})
	}
}

// FuzzDecodeLabel: whatever the label says, an accepted directory is
// absolute, clean, ends in kubelet and has no parent element, so the
// manager can mount it without escaping what the node meant.
func FuzzDecodeLabel(f *testing.F) {
	for _, s := range []string{"mnt-resource-kubelet", "kubelet", "", "-", "a--kubelet", "..-kubelet", "a/b-kubelet", "a-.-kubelet"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p, err := DecodeLabel(v)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/kubelet") || strings.Contains(p, "//") ||
			strings.Contains(p+"/", "/../") || strings.Contains(p+"/", "/./") {
			t.Fatalf("DecodeLabel(%q) accepted %q", v, p)
		}
		if strings.ReplaceAll(p[1:], "/", "-") != v {
			t.Fatalf("DecodeLabel(%q) = %q does not encode back", v, p)
		}
	})
}
