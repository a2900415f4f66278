package binding

import (
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
)

// patch applies the outcomes to pod (the decoded request, which the handler
// owns) and returns the JSON patch of exactly those changes. Building the
// patch from the decisions, instead of diffing two encodings of the pod,
// keeps an admission linear in the containers it changes and free of the
// encoding and generic diff of every other field.
//
// A container without a security context gets the whole new one in one
// operation; otherwise each field written is added (JSON patch's add
// replaces an existing member), and a deprecated annotation that was
// rewritten is replaced.
func patch(pod *corev1.Pod, outcomes []outcome) []jsonpatch.Operation {
	// The outcomes of one container are contiguous (choose works container
	// by container), so "the container had no security context" is noted
	// per outcome before apply creates one, and acted on once per run.
	fresh := make([]bool, len(outcomes))
	for i, o := range outcomes {
		fresh[i] = o.changes() && containerAt(pod, o.target).SecurityContext == nil
	}
	apply(pod, outcomes)

	var ops []jsonpatch.Operation
	var last *target
	for i, o := range outcomes {
		if !o.changes() {
			continue
		}
		same := last != nil && last.kind == o.target.kind && last.index == o.target.index
		last = &outcomes[i].target
		sc := containerAt(pod, o.target).SecurityContext
		switch {
		case fresh[i] && same:
		case fresh[i]:
			ops = append(ops, jsonpatch.NewOperation("add", containerPath(o.target)+"/securityContext", sc))
		default:
			ops = append(ops, jsonpatch.NewOperation("add", containerPath(o.target)+"/securityContext/"+fieldKey(o.field), fieldValue(sc, o.field)))
		}
		if len(pod.Annotations) == 0 {
			continue
		}
		if key := annotationKey(o.target, o.field); key != "" {
			if v, ok := pod.Annotations[key]; ok {
				ops = append(ops, jsonpatch.NewOperation("replace", "/metadata/annotations/"+escapePointer(key), v))
			}
		}
	}
	return ops
}

func containerPath(t target) string {
	list := "containers"
	switch t.kind {
	case initContainer:
		list = "initContainers"
	case ephemeralContainer:
		list = "ephemeralContainers"
	}
	return "/spec/" + list + "/" + strconv.Itoa(t.index)
}

// fieldKey is the field's JSON name in a security context.
func fieldKey(f field) string {
	switch f {
	case seccompField:
		return "seccompProfile"
	case selinuxField:
		return "seLinuxOptions"
	default:
		return "appArmorProfile"
	}
}

func fieldValue(sc *corev1.SecurityContext, f field) any {
	switch f {
	case seccompField:
		return sc.SeccompProfile
	case selinuxField:
		return sc.SELinuxOptions
	default:
		return sc.AppArmorProfile
	}
}

// escapePointer escapes a JSON pointer token (RFC 6901): annotation keys
// hold slashes.
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

var jsonPatchType = admissionv1.PatchTypeJSONPatch
