package daemon

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	v1 "github.com/secprofiles/spo/api/v1"
)

func podCache(t *testing.T, cfg Config) cache.ByObject {
	t.Helper()
	for obj, by := range CacheOptions(cfg).ByObject {
		if _, ok := obj.(*corev1.Pod); ok {
			return by
		}
	}
	t.Fatal("no pod cache options")
	return cache.ByObject{}
}

func TestCacheOptionsPods(t *testing.T) {
	recorded := labels.Set{v1.LabelEnableRecording: "true"}
	for _, tc := range []struct {
		sentence        string
		cfg             Config
		cachesUnlabeled bool
	}{
		{"caches every pod of the node by default", Config{Node: "n1"}, true},
		{"caches only the node's pods labelled for recording under memory optimization", Config{Node: "n1", MemoryOptimization: true}, false},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			by := podCache(t, tc.cfg)
			if !by.Field.Matches(fields.Set{"spec.nodeName": "n1"}) || by.Field.Matches(fields.Set{"spec.nodeName": "n2"}) {
				t.Errorf("field selector %v is not this node's", by.Field)
			}
			unlabeled := by.Label == nil || by.Label.Matches(labels.Set{"app": "web"})
			if unlabeled != tc.cachesUnlabeled {
				t.Errorf("label selector %v: caches unlabelled pods = %v", by.Label, unlabeled)
			}
			if by.Label != nil && !by.Label.Matches(recorded) {
				t.Errorf("label selector %v misses recorded pods", by.Label)
			}
		})
	}
}
