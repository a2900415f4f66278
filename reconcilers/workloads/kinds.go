package workloads

import (
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Kind is one profile kind whose use by pods is tracked.
type Kind struct {
	// Name is the kind, e.g. "SeccompProfile".
	Name string
	// Controller names the controller and its events.
	Controller string
	// Index is the pod field index from a profile name to the pods using it.
	Index string
	// New returns an empty profile of the kind.
	New func() v1.Profile
	// UsedBy returns the names of the profiles of this kind pod uses,
	// sorted and without duplicates.
	UsedBy func(pod *corev1.Pod) []string
}

// Every profile kind the operator installs on nodes: each of them is kept
// on the nodes while a pod uses it (daemon/nodeinstall honours the
// finalizer for every kind).
var (
	Seccomp = Kind{Name: "SeccompProfile", Controller: "workloads-seccomp", Index: "spo.seccompProfiles",
		New: func() v1.Profile { return &v1.SeccompProfile{} }, UsedBy: SeccompProfilesOf}
	Selinux = Kind{Name: "SelinuxProfile", Controller: "workloads-selinux", Index: "spo.selinuxProfiles",
		New: func() v1.Profile { return &v1.SelinuxProfile{} }, UsedBy: SelinuxProfilesOf}
	RawSelinux = Kind{Name: "RawSelinuxProfile", Controller: "workloads-rawselinux", Index: "spo.rawSelinuxProfiles",
		New: func() v1.Profile { return &v1.RawSelinuxProfile{} }, UsedBy: SelinuxProfilesOf}
	AppArmor = Kind{Name: "AppArmorProfile", Controller: "workloads-apparmor", Index: "spo.appArmorProfiles",
		New: func() v1.Profile { return &v1.AppArmorProfile{} }, UsedBy: AppArmorProfilesOf}

	Kinds = []Kind{Seccomp, Selinux, RawSelinux, AppArmor}
)

// selinuxTypeSuffix ends the SELinux type of every SELinux profile kind
// (daemon/selinux.Usage: status.usage is "<name>.process").
const selinuxTypeSuffix = ".process"

// SelinuxProfilesOf returns the names of the SelinuxProfiles (and
// RawSelinuxProfiles: both kinds' usage is "<name>.process") pod runs
// as, from the pod-level or any container's seLinuxOptions.type.
func SelinuxProfilesOf(pod *corev1.Pod) []string {
	var names []string
	add := func(o *corev1.SELinuxOptions) {
		if o == nil {
			return
		}
		if name, ok := strings.CutSuffix(o.Type, selinuxTypeSuffix); ok && name != "" {
			names = append(names, name)
		}
	}
	if sc := pod.Spec.SecurityContext; sc != nil {
		add(sc.SELinuxOptions)
	}
	forEachContainer(pod, func(_ string, sc *corev1.SecurityContext) {
		if sc != nil {
			add(sc.SELinuxOptions)
		}
	})
	return sortedUnique(names)
}

// appArmorAnnotationPrefix is the deprecated per-container AppArmor
// annotation; "localhost/<name>" in it is the same as a Localhost
// appArmorProfile field.
const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

// AppArmorProfilesOf returns the names of the AppArmorProfiles pod runs
// under: Localhost appArmorProfile fields (pod level or any container)
// and the deprecated annotation's "localhost/<name>". The nodes load an
// AppArmorProfile under its object name (daemon/apparmor.ProfileName).
func AppArmorProfilesOf(pod *corev1.Pod) []string {
	var names []string
	add := func(p *corev1.AppArmorProfile) {
		if p != nil && p.Type == corev1.AppArmorProfileTypeLocalhost && p.LocalhostProfile != nil && *p.LocalhostProfile != "" {
			names = append(names, *p.LocalhostProfile)
		}
	}
	if sc := pod.Spec.SecurityContext; sc != nil {
		add(sc.AppArmorProfile)
	}
	forEachContainer(pod, func(_ string, sc *corev1.SecurityContext) {
		if sc != nil {
			add(sc.AppArmorProfile)
		}
	})
	for k, v := range pod.Annotations {
		if strings.HasPrefix(k, appArmorAnnotationPrefix) {
			if name, ok := strings.CutPrefix(v, "localhost/"); ok && name != "" {
				names = append(names, name)
			}
		}
	}
	return sortedUnique(names)
}

// cleanLocalhost puts a seccomp localhostProfile into the one spelling the
// kubelet's file lookup is equivalent to: it joins the value to its
// seccomp root, which cleans it, so "operator/./x.json",
// "operator//x.json" and "/operator/x.json" are the same file as
// "operator/x.json".
func cleanLocalhost(p string) string {
	return strings.TrimLeft(path.Clean("/"+p), "/")
}

func sortedUnique(names []string) []string {
	slices.Sort(names)
	return slices.Compact(names)
}

// indexFunc is kind's field index function.
func (k Kind) indexFunc(obj client.Object) []string {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	return k.UsedBy(pod)
}
