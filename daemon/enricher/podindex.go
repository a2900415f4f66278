package enricher

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CacheOptions caches only the Pods of node, trimmed by TransformPod: a
// node runs a few hundred pods at most, the cluster maybe a hundred
// thousand.
func CacheOptions(node string) cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}: {
			Field:     fields.OneTermEqualSelector("spec.nodeName", node),
			Transform: TransformPod,
		},
	}}
}

// TransformPod keeps what attribution needs: identity, annotations and
// the container ids.
func TransformPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return &corev1.Pod{
		TypeMeta: pod.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion, Annotations: pod.Annotations},
		Spec: corev1.PodSpec{NodeName: pod.Spec.NodeName},
		Status: corev1.PodStatus{
			InitContainerStatuses: slimStatuses(pod.Status.InitContainerStatuses),
			ContainerStatuses:     slimStatuses(pod.Status.ContainerStatuses),
		},
	}, nil
}

func slimStatuses(in []corev1.ContainerStatus) []corev1.ContainerStatus {
	if in == nil {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(in))
	for i, s := range in {
		out[i] = corev1.ContainerStatus{Name: s.Name, ContainerID: s.ContainerID}
	}
	return out
}

// CachePodIndex is the PodIndex of a node, fed by a Pod informer. It
// keeps its own map from container id to workload, updated by the
// informer's handler before Resolve is called, so a lookup never lists
// the cache.
type CachePodIndex struct {
	mu    sync.RWMutex
	byID  map[string]Workload
	byPod map[types.NamespacedName][]string // the ids to forget on delete
}

// NewCachePodIndex returns an empty index; Watch fills it.
func NewCachePodIndex() *CachePodIndex {
	return &CachePodIndex{byID: map[string]Workload{}, byPod: map[types.NamespacedName][]string{}}
}

// Lookup implements PodIndex.
func (x *CachePodIndex) Lookup(containerID string) (Workload, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	w, ok := x.byID[containerID]
	return w, ok
}

// Watch registers the index on the Pod informer of informers (normally a
// manager's cache built with CacheOptions). resolve is called, after the
// index learned it, for every container id of an added or updated pod:
// the collector's Resolve, which attributes records held for it.
func (x *CachePodIndex) Watch(ctx context.Context, informers cache.Informers, resolve func(containerID string)) error {
	inf, err := informers.GetInformer(ctx, &corev1.Pod{})
	if err != nil {
		return fmt.Errorf("pod informer: %w", err)
	}
	set := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok {
			for _, id := range x.set(pod) {
				resolve(id)
			}
		}
	}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    set,
		UpdateFunc: func(_, obj any) { set(obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				x.forget(types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name})
			}
		},
	})
	return err
}

// set records the pod's containers, forgetting ids it no longer has (a
// restarted container gets a new id), and returns its ids.
func (x *CachePodIndex) set(pod *corev1.Pod) []string {
	ws := WorkloadsOf(pod)
	key := types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}
	ids := make([]string, 0, len(ws))
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range x.byPod[key] {
		delete(x.byID, id)
	}
	for id, w := range ws {
		x.byID[id] = w
		ids = append(ids, id)
	}
	x.byPod[key] = ids
	return ids
}

func (x *CachePodIndex) forget(key types.NamespacedName) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range x.byPod[key] {
		delete(x.byID, id)
	}
	delete(x.byPod, key)
}
