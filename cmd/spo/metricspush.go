package main

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/secprofiles/spo/daemon/metricsink"
)

// pushInterval is how often node components push their metrics to the
// daemon: well under metricsink.DefaultStaleAfter, and about a scrape
// interval.
const pushInterval = 15 * time.Second

func newPusher(component, socket string) *metricsink.Pusher {
	return &metricsink.Pusher{Component: component, Gatherer: metrics.Registry, Socket: socket, Interval: pushInterval}
}

// addMetricsPusher pushes the component's metrics to the daemon while mgr
// runs; socket "" disables it.
func addMetricsPusher(mgr manager.Manager, component, socket string) error {
	if socket == "" {
		return nil
	}
	p := newPusher(component, socket)
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		p.Run(ctx)
		return nil
	}))
}
