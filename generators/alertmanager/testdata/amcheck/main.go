// Command amcheck answers the alertmanager package's tests with
// Alertmanager v0.35.0's own code: it loads a configuration with
// config.LoadFile, routes label sets with dispatch.Route.Match and asks an
// inhibit.Inhibitor, fed the alerts said to fire, whether a target alert is
// muted. It reads one JSON request on stdin and writes one JSON answer.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/common/model"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/labelset"
	"github.com/prometheus/alertmanager/provider"
)

type request struct {
	Config  string           `json:"config"` // path of alertmanager.yaml
	Routes  []model.LabelSet `json:"routes"`
	Inhibit []inhibitCase    `json:"inhibit"`
}

type inhibitCase struct {
	Firing []model.LabelSet `json:"firing"`
	Target model.LabelSet   `json:"target"`
}

type response struct {
	Receivers []receiver `json:"receivers"`
	Routes    [][]route  `json:"routes"` // per request route, the routes that match, in order
	Muted     []bool     `json:"muted"`
}

// receiver is what v0.35 read of a receiver: the credential files and
// channels, to compare with what the generator meant to write.
type receiver struct {
	Name            string   `json:"name"`
	RoutingKeyFiles []string `json:"routingKeyFiles,omitempty"`
	SlackURLFiles   []string `json:"slackURLFiles,omitempty"`
	SlackChannels   []string `json:"slackChannels,omitempty"`
}

type route struct {
	Receiver       string        `json:"receiver"`
	GroupBy        []string      `json:"groupBy"`
	GroupWait      time.Duration `json:"groupWait"`
	GroupInterval  time.Duration `json:"groupInterval"`
	RepeatInterval time.Duration `json:"repeatInterval"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "amcheck:", err)
		os.Exit(1)
	}
}

func run() error {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return err
	}
	cfg, err := config.LoadFile(req.Config)
	if err != nil {
		return err
	}
	resp := response{Routes: [][]route{}, Muted: []bool{}}
	for _, r := range cfg.Receivers {
		got := receiver{Name: r.Name}
		for _, c := range r.PagerdutyConfigs {
			got.RoutingKeyFiles = append(got.RoutingKeyFiles, c.RoutingKeyFile)
		}
		for _, c := range r.SlackConfigs {
			got.SlackURLFiles = append(got.SlackURLFiles, c.APIURLFile)
			got.SlackChannels = append(got.SlackChannels, c.Channel)
		}
		resp.Receivers = append(resp.Receivers, got)
	}
	tree := dispatch.NewRoute(cfg.Route, nil)
	for _, ls := range req.Routes {
		matched := []route{}
		for _, r := range tree.Match(ls) {
			o := r.RouteOpts
			got := route{Receiver: o.Receiver, GroupWait: o.GroupWait, GroupInterval: o.GroupInterval, RepeatInterval: o.RepeatInterval}
			for ln := range o.GroupBy {
				got.GroupBy = append(got.GroupBy, string(ln))
			}
			matched = append(matched, got)
		}
		resp.Routes = append(resp.Routes, matched)
	}
	for _, c := range req.Inhibit {
		resp.Muted = append(resp.Muted, muted(cfg, c))
	}
	return json.NewEncoder(os.Stdout).Encode(resp)
}

// muted runs the real Inhibitor over the firing alerts and asks it about
// the target, as the notification pipeline does before each notification.
func muted(cfg *config.Config, c inhibitCase) bool {
	now := time.Now()
	var as []*alert.Alert
	for _, ls := range c.Firing {
		as = append(as, alert.New(model.Alert{Labels: ls, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)}, now, false))
	}
	ih := inhibit.NewInhibitor(firing(as), cfg.InhibitRules, slog.New(slog.DiscardHandler), eventrecorder.NopRecorder())
	go ih.Run()
	ih.WaitForLoading()
	defer ih.Stop()
	return ih.Mutes(context.Background(), labelset.FromModel(c.Target))
}

// firing is an alert provider that holds a fixed set of firing alerts.
type firing []*alert.Alert

func idle() provider.AlertIterator {
	return provider.NewAlertIterator(make(chan *provider.Alert), make(chan struct{}), nil)
}

func (f firing) SlurpAndSubscribe(string) ([]*alert.Alert, provider.AlertIterator) {
	return f, idle()
}
func (f firing) Subscribe(string) provider.AlertIterator     { return idle() }
func (f firing) GetPending() provider.AlertIterator          { return idle() }
func (f firing) Get(model.Fingerprint) (*alert.Alert, error) { return nil, provider.ErrNotFound }
func (f firing) Put(context.Context, ...*alert.Alert) error  { return nil }
