package alerting

import (
	"time"

	"github.com/groundwork-dev/groundwork/internal/spec"
)

// One incident, one page.
//
// A short total outage crosses both page tiers: page-1h (5m/1h) fires a
// couple of minutes in; page-6h (30m/6h) has crossed its threshold too,
// but waits out its for: of 15 minutes. A ten-minute outage therefore
// pages with page-1h from about +3m, which resolves once its 5-minute
// window is clean again (about +15m), and pages a second time with
// page-6h from about +18m, when the traffic is long healthy, until its
// 30-minute window is clean (about +40m). Sloth's rules do the same with
// the same inputs. Alertmanager's inhibition of the slower tiers by the
// faster one (generators/alertmanager) cannot help: it holds only while
// page-1h fires, and page-1h has resolved by the time page-6h fires.
//
// Two ways out were weighed:
//
//   - keep_firing_for on the fast tier: page-1h keeps firing after its
//     expression clears for as long as the next page tier's short window,
//     page-6h's 30 minutes. page-6h's expression clears at most that long
//     after the burn stops, page-1h's 5 minutes after it, so page-1h is
//     still firing, and inhibiting, until 5 minutes after page-6h is
//     quiet, whatever the outage's length. One rule field, evaluated by
//     Prometheus itself, visible in the rule file, and tested by promtool
//     like the rest (alerts/<env>/<svc>.outage.test.yaml). The cost: the
//     page resolves about 35 minutes after the burn stops, not 5; the
//     runbook says so, and the error ratio panel shows the burn is over.
//   - an inhibition that holds while the slower tier is pending:
//     Alertmanager never sees pending alerts (Prometheus sends only firing
//     ones), so it would take a rule of its own, an inhibitor alert that
//     fires while page-1h has fired recently or page-6h is pending, routed
//     to no one, and an inhibit rule keyed on it. Three pieces, two of
//     them outside the rule that pages, to get what one field gives; and
//     an inhibitor that outlives its cause is keep_firing_for under
//     another name.
//
// So the fast tier keeps firing. A burn that goes on at page-6h's rate
// after page-1h's has stopped still pages with page-6h once page-1h lets
// go: that is a second, slower burn, and worth a page. The ticket tiers
// are left as they are: a ticket-1d an hour later asks for a look at the
// budget that the outage spent, and it pages no one.

// keepFiringFor is how long tier i of tiers keeps firing after its
// expression clears: for a page tier, the short window of the next slower
// page tier, so that the faster tier inhibits it for as long as it fires;
// 0 for the slowest page tier and for tickets.
func keepFiringFor(tiers []spec.BurnTier, i int) time.Duration {
	if tiers[i].Severity != spec.SeverityPage {
		return 0
	}
	for _, slower := range tiers[i+1:] {
		if slower.Severity == spec.SeverityPage {
			return slower.Short
		}
	}
	return 0
}
