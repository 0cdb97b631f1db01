// Package dashboards makes the Grafana dashboards: one per service, whose
// panels carry the titles that the service's alerts and runbooks send
// on-call to, and an overview of every service, whose panels are the same
// whatever their number, all loaded by Grafana's sidecar from ConfigMaps
// that dashboards/kustomization.yaml generates.
//
// The dashboards are built with the Grafana foundation SDK's builders, so a
// field Grafana does not know cannot be written, and they query only what
// exists: the series backend/metrics exports, the recording rules the alerts
// generator records and the spec's own queries. They name no environment:
// the datasource is a template variable and every link is relative, so one
// file serves every cluster's Grafana.
package dashboards

//lint:file-ignore SA1019 Grafana's sidecar provisions the classic dashboard JSON model that dashboard.Dashboard describes; dashboardv2 is the Kubernetes-style resource that file provisioning does not load.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/groundwork-dev/groundwork/internal/alerting"
	"github.com/groundwork-dev/groundwork/internal/engine"
	"github.com/groundwork-dev/groundwork/internal/parallel"
	"github.com/groundwork-dev/groundwork/internal/spec"
)

// OverviewPath is the dashboard of every service.
const OverviewPath = spec.DashboardsDir + "/" + spec.OverviewDashboard + ".json"

// Generator makes the dashboards and the kustomization that ships them.
type Generator struct{}

func (Generator) Kind() string { return "dashboards" }

// Generate makes one dashboard per service, the overview and the
// kustomization. Each service dashboard is made from its service spec
// alone, and the platform's name and repository (tags, runbook links), so
// that editing one service rewrites one dashboard besides the shared files.
func (g Generator) Generate(in engine.Input) ([]engine.File, error) { return engine.Collect(in, g) }

// Stream hands over each service's dashboard as soon as it is made: at a
// thousand services they are tens of megabytes (see engine.Streamer).
func (Generator) Stream(in engine.Input, emit func([]engine.File)) error {
	m := in.Spec
	p := m.Platform
	platform := engine.Origin{Spec: p.Source.Path, Fields: []string{"name", "repository"}}
	// Dashboards are independent: the services' are made in parallel
	// beside the overview; the first error in the order of the files is
	// the one told.
	errs := make([]error, len(m.Services))
	var overview []byte
	var overviewErr error
	parallel.Do(
		func() { overview, overviewErr = overviewFile(in) },
		func() {
			parallel.For(len(m.Services), func(i int) {
				f, err := serviceFile(in, m.Services[i], platform)
				if f != nil && err == nil {
					emit([]engine.File{*f})
				}
				errs[i] = err
			})
		},
	)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if overviewErr != nil {
		return overviewErr
	}

	// The overview names no service but those whose dashboard uid it
	// cannot make from their name (longUIDs).
	origins := []engine.Origin{{Spec: p.Source.Path, Fields: []string{"name", "owner"}}}
	for _, s := range m.Services {
		if spec.DashboardUID(s) != dashboardUIDPrefix+s.Name {
			origins = append(origins, engine.Origin{Spec: s.Source.Path, Fields: []string{"name"}})
		}
	}
	k, err := kustomization(m)
	if err != nil {
		return fmt.Errorf("%s: %w", KustomizationPath, err)
	}
	kOrigins := []engine.Origin{{Spec: p.Source.Path}}
	for _, s := range m.Services {
		kOrigins = append(kOrigins, engine.Origin{Spec: s.Source.Path, Fields: []string{"name"}})
	}
	emit([]engine.File{
		{Path: OverviewPath, Origins: origins, Data: overview},
		{Path: KustomizationPath, Origins: kOrigins, Data: k},
	})
	return nil
}

// serviceFile is the dashboard of service s; nil when the render leaves s
// out.
func serviceFile(in engine.Input, s *spec.Service, platform engine.Origin) (*engine.File, error) {
	if spec.DashboardPath(s) == OverviewPath {
		return nil, fmt.Errorf("%s: service %q would overwrite the overview dashboard %s; rename the service", s.Source.Path, s.Name, OverviewPath)
	}
	if !in.Renders(s) {
		return nil, nil
	}
	d, err := serviceDashboard(in.Spec, in.Alerting.Service(s))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.DashboardPath(s), err)
	}
	data, err := marshal(d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.DashboardPath(s), err)
	}
	if err := unproduced(in, s, spec.DashboardPath(s), d); err != nil {
		return nil, err
	}
	return &engine.File{
		Path:    spec.DashboardPath(s),
		Origins: []engine.Origin{{Spec: s.Source.Path}, platform},
		Data:    data,
		Service: s.Name,
	}, nil
}

// overviewFile is the JSON of the overview dashboard.
func overviewFile(in engine.Input) ([]byte, error) {
	d, err := overviewDashboard(in.Spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", OverviewPath, err)
	}
	data, err := marshal(d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", OverviewPath, err)
	}
	// The service variable's values are a query too.
	variable := alerting.CheckedQuery{Where: fmt.Sprintf("%s: variable %s", OverviewPath, ServiceVariable), Expr: serviceVariableSource}
	if err := unproduced(in, nil, OverviewPath, d, variable); err != nil {
		return nil, err
	}
	return data, nil
}

// marshal writes a dashboard as Grafana exports one: indented JSON, ending
// in a newline. The dashboard holds structs and slices only, so the bytes
// depend on nothing but the model.
func marshal(d dashboard.Dashboard) ([]byte, error) {
	compact, err := marshalCompact(d)
	if err != nil {
		return nil, err
	}
	out := indent(make([]byte, 0, len(compact)*2), compact)
	return append(out, '\n'), nil
}

// indent appends src, JSON as json.Marshal writes it (nothing between
// tokens), to dst as json.Indent(dst, src, "", "  ") lays it out, with
// the escapes encoding/json writes for <, > and & undone: encoding/json
// escapes them inside the SDK's own MarshalJSON methods whatever an
// encoder is told, and PromQL is full of >; escaped, a query reads badly
// in a diff and in Grafana's JSON view. One pass over a dashboard's 60 KB,
// where encoding/json's Indent and an unescaping pass took two.
// TestMarshalIsEncodingJSON and TestIndent hold it to encoding/json.
func indent(dst, src []byte) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, "  "...)
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			dst = append(dst, '"')
			for i++; i < len(src) && src[i] != '"'; {
				k := i
				for k < len(src) && src[k] != '"' && src[k] != '\\' {
					k++
				}
				dst = append(dst, src[i:k]...)
				if i = k; i == len(src) || src[i] == '"' {
					break
				}
				// An escape, skipped whole: the backslash of \\u003e
				// does not start one.
				if e, ok := htmlEscapes[string(src[i:min(i+6, len(src))])]; ok {
					dst = append(dst, e)
					i += 6
					continue
				}
				dst = append(dst, src[i:min(i+2, len(src))]...)
				i += 2
			}
			dst = append(dst, '"')
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			dst = append(dst, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, ',')
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// marshalCompact is json.Marshal(d), with d's panels marshalled each on
// its own: the SDK's PanelOrRowPanel.MarshalJSON marshals the panel it
// holds, and encoding/json then checks and copies every byte it returns
// once more (a fifth of a dashboard's time). The panels' place is taken by
// one small stand-in, whose JSON is replaced by theirs.
func marshalCompact(d dashboard.Dashboard) ([]byte, error) {
	if len(d.Panels) == 0 {
		return json.Marshal(d)
	}
	panels := make([]byte, 0, 64<<10)
	panels = append(panels, '[')
	for i, p := range d.Panels {
		if i > 0 {
			panels = append(panels, ',')
		}
		data, err := p.MarshalJSON()
		if err != nil {
			return nil, err
		}
		panels = append(panels, data...)
	}
	panels = append(panels, ']')
	d.Panels = []dashboard.PanelOrRowPanel{panelsStandIn}
	data, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(data, panelsStandInJSON)
	if i < 0 || bytes.Contains(data[i+1:], panelsStandInJSON) {
		return nil, errors.New("the panels' stand-in is not once in the dashboard's JSON")
	}
	out := make([]byte, 0, len(data)-len(panelsStandInJSON)+len(panels))
	out = append(out, data[:i]...)
	out = append(out, panels...)
	return append(out, data[i+len(panelsStandInJSON):]...), nil
}

// panelsStandIn stands for the panels in marshalCompact: a row whose
// title, a NUL, no dashboard has.
var panelsStandIn = func() dashboard.PanelOrRowPanel {
	title := "\x00panels"
	return dashboard.PanelOrRowPanel{RowPanel: &dashboard.RowPanel{Type: "row", Title: &title}}
}()

var panelsStandInJSON = func() []byte {
	data, err := json.Marshal([]dashboard.PanelOrRowPanel{panelsStandIn})
	if err != nil {
		panic(err)
	}
	return data
}()

// htmlEscapes are the escapes encoding/json writes for <, > and &.
var htmlEscapes = map[string]byte{`\u003c`: '<', `\u003e`: '>', `\u0026`: '&'}
