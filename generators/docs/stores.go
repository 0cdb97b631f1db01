package docs

import (
	"slices"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// The stores of an environment, split as the documents are: a service's
// own (its database, backups, log groups, buckets and secrets), in its
// files, and the platform's, in the shared ones. spec.DataStores lists
// every service's; a partial render must not pay for a thousand services
// to write one, so each part is listed from the model narrowed to the
// services it needs. TestStoresSplitDataStores holds the parts to
// spec.DataStores.

// split lists the stores of e once and splits them: those of each
// service, and the platform's. For a full render, where every service's
// are wanted anyway.
func split(m *spec.Model, e *spec.Environment) (map[*spec.Service][]spec.DataStore, []spec.DataStore) {
	all := m.DataStores(e)
	own := make(map[*spec.Service][]spec.DataStore, len(m.Services))
	var platform []spec.DataStore
	for i := 0; i < len(all); {
		s := all[i].Service
		j := i + 1
		for j < len(all) && all[j].Service == s {
			j++
		}
		if s == nil {
			platform = append(platform, all[i:j]...)
		} else if own[s] == nil {
			own[s] = all[i:j:j]
		} else {
			own[s] = append(own[s], all[i:j]...) // copies: the capacity ends at j
		}
		i = j
	}
	return own, platform
}

// serviceStores are the stores of service s in e, in the order
// spec.DataStores lists them.
func serviceStores(m *spec.Model, e *spec.Environment, s *spec.Service) []spec.DataStore {
	return storesOf(narrowed(m, s), e, s)
}

// platformStores are the stores of e that belong to no service. Which
// they are depends on the services only through Model.HasBuckets (the
// buckets' access-log bucket), so the model is narrowed to the first
// service that has a bucket or a database, or to none.
func platformStores(m *spec.Model, e *spec.Environment) []spec.DataStore {
	if i := slices.IndexFunc(m.Services, func(s *spec.Service) bool { return len(s.Buckets) > 0 || s.Database != nil }); i >= 0 {
		return storesOf(narrowed(m, m.Services[i]), e, nil)
	}
	return storesOf(narrowed(m), e, nil)
}

// narrowed is m with only the services given.
func narrowed(m *spec.Model, services ...*spec.Service) *spec.Model {
	n := *m
	n.Services = services
	return &n
}

// storesOf are the stores of m in e that belong to s (nil: the platform).
func storesOf(m *spec.Model, e *spec.Environment, s *spec.Service) []spec.DataStore {
	all := m.DataStores(e)
	out := all[:0]
	for _, st := range all {
		if st.Service == s {
			out = append(out, st)
		}
	}
	return out
}
