// Package metrics instruments Groundwork's Go services for Prometheus.
//
// Dashboards and alert rules are generated from service specs, so the
// generator must know exactly which series a service exposes. This package is
// that contract: a query that names a metric not listed here is a bug in the
// generator, not in the service. Every family is exported on a registry the
// service creates and passes around explicitly (see [NewRegistry]); nothing is
// registered on client_golang's global default registry.
//
// # HTTP ([HTTP.Middleware])
//
//	http_requests_total{code,method,route}             counter
//	http_request_duration_seconds{code,method,route}   histogram (_bucket{le}, _sum, _count)
//	http_requests_in_flight                            gauge
//
// route is the pattern the [net/http.ServeMux] matched, such as
// "GET /v1/orders/{id}", or "unmatched" when no pattern matched; it is never
// the raw path, so its cardinality is the number of routes. method is the
// request method when it is one of the methods of RFC 9110 and PATCH, and
// "other" otherwise. code is the numeric status code sent ("200").
// The histogram's buckets are [Buckets]: the client_golang defaults merged
// with every latency SLO threshold, so that "slower than the threshold" is an
// exact bucket boundary rather than an interpolation.
//
// # Build ([NewRegistry])
//
//	build_info{version,revision,goversion}             gauge, always 1
//
// # Database pool ([NewPoolCollector])
//
//	db_pool_acquired_connections                       gauge
//	db_pool_idle_connections                           gauge
//	db_pool_max_connections                            gauge
//	db_pool_acquire_count_total                        counter
//	db_pool_acquire_duration_seconds_total             counter
//
// # Database jobs ([NewBackup], [NewDrill]; pushed to the Pushgateway)
//
//	backup_last_success_timestamp_seconds              gauge
//	backup_size_bytes                                  gauge
//	backup_duration_seconds                            gauge
//	backup_last_failure_timestamp_seconds              gauge
//	restore_drill_last_run_success                     gauge, 1 or 0
//	restore_drill_last_success_timestamp_seconds       gauge
//	restore_drill_last_failure_timestamp_seconds       gauge
//	restore_drill_duration_seconds                     gauge (RTO)
//	restore_drill_rpo_seconds                          gauge (RPO)
//
// # Feature flags ([NewFlagEvaluations]; counted by package flags)
//
//	feature_flag_evaluations_total{flag,variant,reason} counter
//
// # Partners ([NewPartnerRequests]; counted by package partners)
//
//	partner_requests_total{partner,key_id,code}        counter
//
// # Runtime ([NewRegistry])
//
// The standard Go and process collectors of client_golang, listed in
// [RuntimeNames] (go_goroutines, process_resident_memory_bytes,
// process_cpu_seconds_total, ...).
//
// # Checking a query
//
// [Names] and [RuntimeNames] list the families; [Exported] also accepts the
// _bucket, _sum and _count series a query names, so a generator can check
// every metric name of a PromQL expression with one call each.
package metrics

import (
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Names lists every metric family this package's own collectors can export,
// sorted. A generator checks dashboard and alert queries against it (and
// against [RuntimeNames]); a test checks that it matches what is registered.
var Names = []string{
	"backup_duration_seconds",
	"backup_last_failure_timestamp_seconds",
	"backup_last_success_timestamp_seconds",
	"backup_size_bytes",
	"build_info",
	"db_pool_acquire_count_total",
	"db_pool_acquire_duration_seconds_total",
	"db_pool_acquired_connections",
	"db_pool_idle_connections",
	"db_pool_max_connections",
	"feature_flag_evaluations_total",
	"http_request_duration_seconds",
	"http_requests_in_flight",
	"http_requests_total",
	"partner_requests_total",
	"restore_drill_duration_seconds",
	"restore_drill_last_failure_timestamp_seconds",
	"restore_drill_last_run_success",
	"restore_drill_last_success_timestamp_seconds",
	"restore_drill_rpo_seconds",
}

// RuntimeNames lists the metric families of client_golang's Go and process
// collectors as [NewRegistry] configures them on Linux, sorted. They are kept
// apart from [Names] because they are not ours to rename; a test keeps the
// list in step with the client_golang version in go.mod.
var RuntimeNames = []string{
	"go_gc_duration_seconds",
	"go_gc_gogc_percent",
	"go_gc_gomemlimit_bytes",
	"go_goroutines",
	"go_info",
	"go_memstats_alloc_bytes",
	"go_memstats_alloc_bytes_total",
	"go_memstats_buck_hash_sys_bytes",
	"go_memstats_frees_total",
	"go_memstats_gc_sys_bytes",
	"go_memstats_heap_alloc_bytes",
	"go_memstats_heap_idle_bytes",
	"go_memstats_heap_inuse_bytes",
	"go_memstats_heap_objects",
	"go_memstats_heap_released_bytes",
	"go_memstats_heap_sys_bytes",
	"go_memstats_last_gc_time_seconds",
	"go_memstats_mallocs_total",
	"go_memstats_mcache_inuse_bytes",
	"go_memstats_mcache_sys_bytes",
	"go_memstats_mspan_inuse_bytes",
	"go_memstats_mspan_sys_bytes",
	"go_memstats_next_gc_bytes",
	"go_memstats_other_sys_bytes",
	"go_memstats_stack_inuse_bytes",
	"go_memstats_stack_sys_bytes",
	"go_memstats_sys_bytes",
	"go_sched_gomaxprocs_threads",
	"go_threads",
	"process_cpu_seconds_total",
	"process_max_fds",
	"process_network_receive_bytes_total",
	"process_network_transmit_bytes_total",
	"process_open_fds",
	"process_resident_memory_bytes",
	"process_start_time_seconds",
	"process_virtual_memory_bytes",
	"process_virtual_memory_max_bytes",
}

// histograms are the families in [Names] and [RuntimeNames] that a query may
// also name with a _bucket, _sum or _count suffix (summaries: _sum, _count).
var histograms = map[string][]string{
	"http_request_duration_seconds": {"_bucket", "_sum", "_count"},
	"go_gc_duration_seconds":        {"_sum", "_count"},
}

// Exported reports whether a series name, as a PromQL query writes it, is one
// this package can export: a family of [Names] or [RuntimeNames], or a
// histogram's _bucket, _sum or _count series. It saves the generator from
// knowing the exposition format's suffix rules.
func Exported(series string) bool {
	if slices.Contains(Names, series) || slices.Contains(RuntimeNames, series) {
		return true
	}
	for family, suffixes := range histograms {
		for _, s := range suffixes {
			if series == family+s {
				return true
			}
		}
	}
	return false
}

// NewRegistry returns a registry holding the Go and process collectors and
// build_info. Services add [HTTP] and [NewPoolCollector] to it and serve it
// with [Handler]. A registry of our own, instead of the global default, keeps
// tests independent and the exported set exactly what [Names] says.
func NewRegistry(info BuildInfo) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newBuildInfoCollector(info),
	)
	return reg
}

// Handler serves the registry in the Prometheus exposition formats. It is
// deliberately uninstrumented: scrapes are counted by [HTTP.Middleware] like
// any other route, and no promhttp_* family appears outside [Names].
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// normalizeMethod bounds the method label: a client may send any token as a
// method, and each one would otherwise become a new series.
func normalizeMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodConnect,
		http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}
