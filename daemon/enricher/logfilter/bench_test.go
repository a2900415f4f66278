package logfilter

import "testing"

// BenchmarkKeep is the filter decision per log line: a record that passes
// every one of five entries without a match (the worst case) in each
// format.
func BenchmarkKeep(b *testing.B) {
	lists := map[string]string{
		"spo": `[{"priority":1,"level":"None","matchKeys":["namespace"],"matchValues":["kube-system","monitoring"]},
			{"priority":2,"level":"None","matchKeys":["syscallName"],"matchValues":["futex","nanosleep","epoll_wait"]},
			{"priority":3,"level":"None","matchKeys":["pid"],"matchValues":["1"]},
			{"priority":4,"level":"None","matchKeys":["executable","container"],"matchValues":["/pause","pause"]},
			{"priority":5,"level":"None","matchKeys":["tclass"]}]`,
		"native": `[{"action":"drop","namespace":"kube-system"},{"action":"drop","syscall":"futex"},
			{"action":"drop","executable":"/pause"},{"action":"drop","kind":"selinux"},{"action":"drop","pod":"monitoring-*"}]`,
	}
	for name, list := range lists {
		set, err := Parse(list)
		if err != nil {
			b.Fatal(err)
		}
		r := seccompRecord("app", "openat", 4242)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !set.Keep(r) {
					b.Fatal("dropped")
				}
			}
		})
	}
}
