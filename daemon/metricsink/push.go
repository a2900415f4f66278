package metricsink

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"sigs.k8s.io/controller-runtime/pkg/log"

	pb "github.com/secprofiles/spo/api/grpc/metrics/v1"
	"github.com/secprofiles/spo/daemon/grpcsocket"
)

// Pusher sends a component's spo families to the daemon's Sink.
type Pusher struct {
	Component string
	Gatherer  prometheus.Gatherer
	Socket    string
	Interval  time.Duration
}

// Run pushes every Interval until ctx is done. A daemon that is not
// reachable is logged and tried again next time: the component's work
// does not depend on its metrics being collected.
func (p *Pusher) Run(ctx context.Context) {
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for {
		if err := p.PushOnce(ctx); err != nil {
			log.FromContext(ctx).V(1).Info("pushing metrics to the daemon", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PushOnce gathers and pushes once.
func (p *Pusher) PushOnce(ctx context.Context) error {
	text, err := Exposition(p.Gatherer)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := grpcsocket.Dial(dctx, "daemon metrics sink", p.Socket)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = pb.NewMetricsSinkClient(conn).Push(dctx, &pb.PushRequest{Component: p.Component, Exposition: text})
	return err
}

// Exposition renders g's spo families in the text format.
func Exposition(g prometheus.Gatherer) (string, error) {
	families, err := g.Gather()
	if err != nil {
		return "", fmt.Errorf("gathering metrics: %w", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), Prefix) {
			if err := enc.Encode(f); err != nil {
				return "", err
			}
		}
	}
	return buf.String(), nil
}
