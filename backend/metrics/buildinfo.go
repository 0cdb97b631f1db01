package metrics

import (
	"cmp"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// BuildInfo is what build_info reports, so that a dashboard can show which
// build each instance runs and a deploy's effect lines up with its revision.
// Empty fields are filled from the binary's embedded build information
// (module version, vcs.revision) and then with "unknown".
type BuildInfo struct {
	Version  string
	Revision string
}

func (b BuildInfo) withDefaults() BuildInfo {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			b.Version = cmp.Or(b.Version, v)
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				b.Revision = cmp.Or(b.Revision, s.Value)
			}
		}
	}
	b.Version = cmp.Or(b.Version, "unknown")
	b.Revision = cmp.Or(b.Revision, "unknown")
	return b
}

// newBuildInfoCollector exports build_info{version,revision,goversion} = 1.
// client_golang's own NewBuildInfoCollector exports go_build_info with
// different labels (path, version, checksum), which says nothing about the
// revision deployed.
func newBuildInfoCollector(info BuildInfo) prometheus.Collector {
	info = info.withDefaults()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "build_info",
		Help: "Always 1; the labels say which build of the service this is.",
		ConstLabels: prometheus.Labels{
			"version":   info.Version,
			"revision":  info.Revision,
			"goversion": runtime.Version(),
		},
	})
	g.Set(1)
	return g
}
