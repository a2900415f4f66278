package workloads

// SetLivePageSize makes r's live read fetch n pods a page, so that a test
// with a handful of pods goes through several pages.
func SetLivePageSize(r *Reconciler, n int64) { r.pageSize = n }
