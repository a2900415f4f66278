package spod

import (
	"fmt"
	"regexp"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// selinuxd runs in DaemonSets of its own, one per image in use, rather
// than as a container of spo-daemon: a pod template has one image per
// container, and selinuxd's semodule must match each node's policy store,
// so nodes of different operating systems need different images. The
// node's OS is in status.nodeInfo.osImage, which no scheduler term can
// select on, so the manager writes the matching entry's name into the
// node label LabelSelinuxd and each DaemonSet spo-selinuxd-<name> selects
// its nodes by it. Labels rather than a list of node names in each
// DaemonSet's affinity: a node joining or leaving then changes no pod
// template, so no selinuxd restarts on the other nodes. The daemon and
// selinuxd share the policy directory and selinuxd's socket through the
// node (hostPath), as they did inside one pod.

// LabelSelinuxd is the node label naming the selinuxd image entry the
// node runs. Its prefix is one the NodeRestriction admission plugin
// forbids kubelets to set, so a node cannot choose its own entry.
const LabelSelinuxd = "node-restriction.kubernetes.io/spo-selinuxd"

// SelinuxdFallback is the entry name of nodes no entry matches; they run
// Params.SelinuxdImage.
const SelinuxdFallback = "default"

// selinuxdGroupLabel tells the selinuxd DaemonSets' pods apart.
const selinuxdGroupLabel = "spo.x-k8s.io/selinuxd"

// ReasonInvalidSelinuxdImages: an entry of selinux.selinuxdImages has an
// osImage that is not a regular expression or an unpinned image.
const ReasonInvalidSelinuxdImages = "InvalidSelinuxdImages"

// DefaultSelinuxdImages is the mapping used while the SPOD names none:
// the el8, el9 and el10 builds of selinuxd for RHEL, RHCOS (whose osImage
// carries the RHEL version as the second number, "4xx.9x.…", or first,
// "9.6.…"), CentOS Stream and the RHEL rebuilds, and the Fedora build
// for Fedora and Fedora CoreOS.
func DefaultSelinuxdImages() []v1.SelinuxdImage {
	el := func(n string) string {
		return `^((Red Hat Enterprise Linux|CentOS Stream|CentOS Linux|Rocky Linux|AlmaLinux|Oracle Linux Server)( release)? ` + n +
			`([. ]|$)|Red Hat Enterprise Linux CoreOS (4\d+\.` + n + `\d+\.|` + n + `\.))`
	}
	return []v1.SelinuxdImage{
		{Name: "el8", OSImage: el("8"), Image: "quay.io/security-profiles-operator/selinuxd-el8:v0.5.2"},
		{Name: "el9", OSImage: el("9"), Image: "quay.io/security-profiles-operator/selinuxd-el9:v0.5.2"},
		{Name: "el10", OSImage: el("10"), Image: "quay.io/security-profiles-operator/selinuxd-el10:v0.5.2"},
		{Name: "fedora", OSImage: `^Fedora( Linux| CoreOS)? `, Image: "quay.io/security-profiles-operator/selinuxd-fedora:v0.5.2"},
	}
}

// SelinuxdMapping picks each node's selinuxd image.
type SelinuxdMapping struct {
	entries  []selinuxdEntry
	fallback string
}

type selinuxdEntry struct {
	name, image string
	re          *regexp.Regexp
}

// ParseSelinuxdImages compiles the SPOD's mapping (DefaultSelinuxdImages
// when it has none), with fallback for nodes no entry matches. An error
// names the field.
func ParseSelinuxdImages(entries []v1.SelinuxdImage, fallback string) (SelinuxdMapping, error) {
	field := "spec.selinux.selinuxdImages"
	if len(entries) == 0 {
		entries, field = DefaultSelinuxdImages(), "the built-in selinuxd image mapping"
	}
	m := SelinuxdMapping{fallback: fallback}
	seen := map[string]bool{}
	for i, e := range entries {
		at := fmt.Sprintf("%s[%d]", field, i)
		if e.Name == SelinuxdFallback || e.Name == "" || seen[e.Name] {
			return SelinuxdMapping{}, fmt.Errorf("%s.name: %q is empty, reserved or repeated", at, e.Name)
		}
		seen[e.Name] = true
		re, err := regexp.Compile(e.OSImage)
		if err != nil {
			return SelinuxdMapping{}, fmt.Errorf("%s.osImage: not a regular expression: %v", at, err)
		}
		if err := PinnedImage(e.Image); err != nil {
			return SelinuxdMapping{}, fmt.Errorf("%s.image: %v", at, err)
		}
		m.entries = append(m.entries, selinuxdEntry{name: e.Name, image: e.Image, re: re})
	}
	return m, nil
}

// For returns the entry name and image for a node's osImage: the first
// entry that matches, else SelinuxdFallback and the fallback image.
func (m SelinuxdMapping) For(osImage string) (name, image string) {
	for _, e := range m.entries {
		if e.re.MatchString(osImage) {
			return e.name, e.image
		}
	}
	return SelinuxdFallback, m.fallback
}

// SelinuxdGroups returns, per entry name in use, its image, and per node
// the entry it runs.
func (m SelinuxdMapping) SelinuxdGroups(nodes []corev1.Node) (images, byNode map[string]string) {
	images, byNode = map[string]string{}, map[string]string{}
	for i := range nodes {
		name, image := m.For(nodes[i].Status.NodeInfo.OSImage)
		images[name], byNode[nodes[i].Name] = image, name
	}
	return images, byNode
}

// SelinuxdDaemonSetName is the DaemonSet of an entry's nodes.
func SelinuxdDaemonSetName(entry string) string { return "spo-selinuxd-" + entry }

// SelinuxdLabels select the pods of every selinuxd DaemonSet.
func SelinuxdLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "spo", "app.kubernetes.io/component": "selinuxd"}
}

// SelinuxdDaemonSets are the selinuxd DaemonSets for the entries in use
// (images: entry name → image), sorted by name; none while SELinux is
// off. Pure, like DaemonSet.
func SelinuxdDaemonSets(spod *v1.SecurityProfilesOperatorDaemon, p Params, images map[string]string) []*appsv1.DaemonSet {
	if !spod.Spec.Selinux.Enable {
		return nil
	}
	names := make([]string, 0, len(images))
	for n := range images {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*appsv1.DaemonSet, 0, len(names))
	for _, n := range names {
		out = append(out, selinuxdDaemonSet(spod, p, n, images[n]))
	}
	return out
}

func selinuxdDaemonSet(spod *v1.SecurityProfilesOperatorDaemon, p Params, entry, image string) *appsv1.DaemonSet {
	s := spod.Spec
	labels := SelinuxdLabels()
	labels[selinuxdGroupLabel] = entry
	pod := corev1.PodSpec{
		// selinuxd talks to no API server.
		AutomountServiceAccountToken: ptr.To(false),
		NodeSelector:                 map[string]string{LabelSelinuxd: entry},
		Containers:                   []corev1.Container{selinuxdContainer(image)},
		Volumes: []corev1.Volume{
			hostPathTyped("selinux-policy", "/etc/selinux.d", corev1.HostPathDirectoryOrCreate),
			hostPathTyped("selinuxd-socket", "/var/run/selinuxd", corev1.HostPathDirectoryOrCreate),
			hostPathTyped("etc-selinux", "/etc/selinux", corev1.HostPathDirectory),
			hostPathTyped("var-lib-selinux", "/var/lib/selinux", corev1.HostPathDirectory),
			hostPathTyped("selinuxfs", "/sys/fs/selinux", corev1.HostPathDirectory),
		},
		Tolerations:       s.Scheduling.Tolerations,
		Affinity:          s.Scheduling.Affinity,
		PriorityClassName: s.Scheduling.PriorityClassName,
		ImagePullSecrets:  s.ImagePullSecrets,
	}
	return &appsv1.DaemonSet{
		TypeMeta: metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name: SelinuxdDaemonSetName(entry), Namespace: p.Namespace, Labels: labels, OwnerReferences: ownerRefs(spod),
		},
		Spec: appsv1.DaemonSetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			Template:       corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod},
		},
	}
}

// selinuxdContainer installs SELinux modules. Loading policy needs the
// whole of selinuxfs and the host's policy store: it runs privileged, as
// spc_t, the one container that does. selinuxd serves nothing but its Unix
// socket (no HTTP endpoint), so it has no probes, startup probe included.
func selinuxdContainer(image string) corev1.Container {
	return corev1.Container{
		Name:  ContainerSelinuxd,
		Image: image,
		Args:  []string{"daemon", "--datastore-path=/var/run/selinuxd/selinuxd.db", "--socket-path=/var/run/selinuxd/selinuxd.sock"},
		SecurityContext: &corev1.SecurityContext{
			Privileged:     ptr.To(true),
			RunAsUser:      ptr.To[int64](0),
			SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"},
		},
		// semodule holds the whole policy in memory while it rebuilds it.
		Resources: nodeResources("20m", "64Mi", "1Gi"),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "selinux-policy", MountPath: "/etc/selinux.d", ReadOnly: true},
			{Name: "selinuxd-socket", MountPath: "/var/run/selinuxd"},
			{Name: "etc-selinux", MountPath: "/etc/selinux"},
			{Name: "var-lib-selinux", MountPath: "/var/lib/selinux"},
			{Name: "selinuxfs", MountPath: "/sys/fs/selinux"},
		},
	}
}
