package pgops

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

// push sends a job's outcome to the Pushgateway with POST, which replaces
// only the families pushed: a failure leaves the last success's gauges as
// they were, and the alerts keep reading them. A job that failed still
// pushes its failure when its context was cancelled (SIGTERM, a deadline).
func (c Config) push(ctx context.Context, job string, cs []prometheus.Collector) error {
	if c.PushgatewayURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	p := push.New(c.PushgatewayURL, job).Grouping("namespace", c.Namespace)
	for _, col := range cs {
		p.Collector(col)
	}
	if err := p.AddContext(ctx); err != nil {
		return fmt.Errorf("push the %s metrics to %s: %w (check PUSHGATEWAY_URL, and that the job's namespace may reach the Pushgateway)", job, c.PushgatewayURL, err)
	}
	return nil
}
