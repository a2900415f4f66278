package nodedebuggingpod

// DebugPod is the pod kubectl debug node/... sends, for the external test
// package (apiserver_test.go), which webhooks/config's import of this
// package keeps outside.
var DebugPod = debugPod
