// Package profilemerge unites two profiles of one kind into a profile that
// allows what either allowed. The node recorder uses it to extend a
// recorded profile with another recording of the same container
// (mergeStrategy Containers, replicas of a pod without generateName, a
// re-recording), and spoc merge to unite SelinuxProfile and
// AppArmorProfile manifests.
//
// Every function here is a union: merging a profile into itself, or the
// same profile twice, changes nothing, so a collection repeated after a
// crash is harmless. None of them validates: callers that take input from
// users (spoc) run the kind's validation on the result, as the daemon does
// before installing.
package profilemerge
