package recording

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1 "github.com/secprofiles/spo/api/v1"
)

// podPlan is everything the webhook changes on one pod, and why.
type podPlan struct {
	annotations map[string]string // the pod's annotations afterwards
	security    []securityChange  // container security contexts to set
	warnings    []string          // returned to the client
	recorded    bool              // a container is annotated for recording
	decisions   []decision        // logged by the handler
	changed     bool
}

// decision is one logged step; empty fields are left out of the log.
type decision struct {
	action     string
	container  string
	recording  string
	annotation string
}

// plan decides what admission does to pod, given the ProfileRecordings of
// its namespace, the pod's nonce and the admission time. It does not modify
// its arguments; apply carries the plan out. The error means the pod must
// be denied.
func plan(pod *corev1.Pod, recordings []v1.ProfileRecording, nonce string, now time.Time) (podPlan, error) {
	p := podPlan{}
	p.stripSpoofed(pod.Annotations)
	claimed := map[string]string{} // annotation key → recording that set it
	for _, rec := range p.matching(pod, recordings) {
		prefix, err := prefixFor(rec.Spec.Kind, rec.Spec.Recorder)
		if err != nil {
			return podPlan{}, fmt.Errorf("ProfileRecording %q: %w", rec.Name, err)
		}
		for _, c := range selectedContainers(pod, rec.Spec.Containers) {
			a := Annotation{Prefix: prefix, Container: c.Name, Recording: rec.Name, Nonce: nonce, Unix: now.Unix()}
			p.annotate(pod, rec, c, a, claimed)
		}
	}
	p.changed = !maps.Equal(pod.Annotations, p.annotations) || len(p.security) > 0
	return p, nil
}

// stripSpoofed keeps every annotation except the reserved ones: a recording
// annotation the user wrote would make the nodes record into a profile of
// the user's choosing.
func (p *podPlan) stripSpoofed(annotations map[string]string) {
	var removed []string
	p.annotations, removed = stripSpoofed(annotations)
	for _, key := range removed {
		p.warn(fmt.Sprintf("removed annotation %s: set only by the recording webhook", key))
		p.decide(decision{action: "removed a recording annotation set by the client", annotation: key})
	}
}

// stripSpoofed returns a copy of annotations without reserved keys, and the
// removed keys, sorted so warnings come out in a stable order.
func stripSpoofed(annotations map[string]string) (map[string]string, []string) {
	kept := maps.Clone(annotations)
	var removed []string
	for key := range annotations {
		if reservedPrefix(key) != "" {
			delete(kept, key)
			removed = append(removed, key)
		}
	}
	slices.Sort(removed)
	return kept, removed
}

// matching returns the recordings that select pod, oldest first so that the
// oldest wins a conflict. Recordings being deleted are done recording.
func (p *podPlan) matching(pod *corev1.Pod, recordings []v1.ProfileRecording) []*v1.ProfileRecording {
	var out []*v1.ProfileRecording
	for i := range recordings {
		rec := &recordings[i]
		if rec.DeletionTimestamp != nil {
			continue
		}
		selector, err := metav1.LabelSelectorAsSelector(&rec.Spec.PodSelector)
		if err != nil {
			p.warn(fmt.Sprintf("ProfileRecording %q skipped: invalid podSelector: %v", rec.Name, err))
			p.decide(decision{action: "skipped a recording with an invalid podSelector", recording: rec.Name})
			continue
		}
		if selector.Matches(labels.Set(pod.Labels)) {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b *v1.ProfileRecording) int {
		return cmp.Or(a.CreationTimestamp.Compare(b.CreationTimestamp.Time), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// selectedContainers returns the init containers and containers named in
// names, or all of them when names is empty. Names the pod lacks are not an
// error: one recording may cover pods with different containers.
func selectedContainers(pod *corev1.Pod, names []string) []*corev1.Container {
	var out []*corev1.Container
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if len(names) == 0 || slices.Contains(names, list[i].Name) {
				out = append(out, &list[i])
			}
		}
	}
	return out
}

// annotate sets a on container c unless an older recording already set the
// same key, and prepares the container for the Logs recorder.
func (p *podPlan) annotate(pod *corev1.Pod, rec *v1.ProfileRecording, c *corev1.Container, a Annotation, claimed map[string]string) {
	if owner, taken := claimed[a.Key()]; taken {
		p.warn(fmt.Sprintf("container %q: ProfileRecording %q also selects it for %s; using the older %q",
			c.Name, rec.Name, a.Prefix, owner))
		p.decide(decision{action: "skipped: an older recording already selects this container",
			container: c.Name, recording: rec.Name, annotation: a.Key()})
		return
	}
	claimed[a.Key()] = rec.Name
	if p.annotations == nil {
		p.annotations = map[string]string{}
	}
	p.annotations[a.Key()] = a.Value()
	p.recorded = true
	p.decide(decision{action: "annotated container for recording",
		container: c.Name, recording: rec.Name, annotation: a.Key() + "=" + a.Value()})
	if rec.Spec.Recorder == v1.RecorderLogs {
		p.logEverything(pod, c, rec)
	}
}

func (p *podPlan) warn(w string)     { p.warnings = append(p.warnings, w) }
func (p *podPlan) decide(d decision) { p.decisions = append(p.decisions, d) }
