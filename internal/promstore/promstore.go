// Package promstore holds a few synthetic series in memory for Prometheus's
// query engine: the smallest storage.Queryable it needs. Prometheus's own
// test storage needs a *testing.T.
package promstore

import (
	"context"
	"slices"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"
)

// Store is series held in memory: the alerts generator evaluates a spec
// alert's query on it while it writes the alert's promtool test, and the
// dashboards' tests run every panel's query on it.
type Store struct {
	series []*storage.SeriesEntry
}

// Add appends a series with one float sample per step from t=0. The
// samples are pointers into one array: a sample as a value would be
// allocated on its own, and the spec alerts' tests build a few hundred
// thousand series.
func (m *Store) Add(ls labels.Labels, stepMillis int64, values []float64) {
	fs := make([]fSample, len(values))
	samples := make([]chunks.Sample, len(values))
	for i, v := range values {
		fs[i] = fSample{t: int64(i) * stepMillis, f: v}
		samples[i] = &fs[i]
	}
	m.series = append(m.series, storage.NewListSeries(ls, samples))
}

// Querier reads the series.
func (m *Store) Querier(mint, maxt int64) (storage.Querier, error) { return memQuerier{m}, nil }

type memQuerier struct{ m *Store }

func (q memQuerier) Select(_ context.Context, sortSeries bool, _ *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	var out []storage.Series
	for _, s := range q.m.series {
		if MatchesAll(s.Labels(), ms) {
			out = append(out, s)
		}
	}
	if sortSeries {
		slices.SortFunc(out, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	}
	return &listSet{series: out, i: -1}
}

// MatchesAll reports whether ls satisfies every matcher of ms, as Select
// selects a series.
func MatchesAll(ls labels.Labels, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}

func (memQuerier) LabelValues(context.Context, string, *storage.LabelHints, ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return nil, nil, nil
}

func (memQuerier) LabelNames(context.Context, *storage.LabelHints, ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return nil, nil, nil
}

func (memQuerier) Close() error { return nil }

type listSet struct {
	series []storage.Series
	i      int
}

func (s *listSet) Next() bool                        { s.i++; return s.i < len(s.series) }
func (s *listSet) At() storage.Series                { return s.series[s.i] }
func (s *listSet) Err() error                        { return nil }
func (s *listSet) Warnings() annotations.Annotations { return nil }

// fSample is a float sample.
type fSample struct {
	t int64
	f float64
}

func (s fSample) T() int64                      { return s.t }
func (s fSample) ST() int64                     { return 0 }
func (s fSample) F() float64                    { return s.f }
func (s fSample) H() *histogram.Histogram       { return nil }
func (s fSample) FH() *histogram.FloatHistogram { return nil }
func (s fSample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s fSample) Copy() chunks.Sample           { return s }
