package spec

// Databases: engine, storage, and backup and drill schedules that fire often
// enough for their maximum age.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
)

var supportedPG = []string{"14", "15", "16", "17"}

// reservedRoles are login roles a service's database cannot have: the
// master user the database module creates, RDS's own and its IAM role.
var reservedRoles = []string{"dbadmin", "rdsadmin", "rds_iam", "rds_superuser", "rds_replication", "rds_password", "postgres"}

// maxCronJobName is Kubernetes' limit for a CronJob's name: its Jobs get
// an 11-character suffix and must stay 63.
const maxCronJobName = 52

func (c *checker) database(s *Service) {
	src, db := s.Source, s.Database
	if db.Engine != defaultEngine {
		c.enum(src, "database.engine", db.Engine, defaultEngine)
	}
	if !slices.Contains(supportedPG, db.Version) {
		c.enum(src, "database.version", db.Version, supportedPG...)
	}
	if db.StorageGB < 20 || db.StorageGB > 65536 {
		c.errorf(src, KindValue, "database.storageGB", "%d is outside 20 to 65536 (RDS gp3's limits)", db.StorageGB)
	}
	b := db.Backup
	if b.RetentionDays < 1 {
		c.errorf(src, KindValue, "database.backup.retentionDays", "%d; backups are kept at least 1 day", b.RetentionDays)
	}
	c.schedule(src, "database.backup", b.Schedule, b.MaxAge, "backup-age alert", true)
	c.schedule(src, "database.drill", db.Drill.Schedule, db.Drill.MaxAge, "restore-drill-overdue alert", false)
	c.databaseNames(s)
}

// schedule checks the cron schedule and maxAge of a job under field (the
// backup or the drill): five fields, firing at least every maxAge. AWS
// Backup's cron takes a day of the month or of the week, not both; a
// Kubernetes CronJob takes both.
func (c *checker) schedule(src *Source, field, schedule string, maxAge Duration, alert string, awsBackup bool) {
	age, okAge := c.duration(src, field+".maxAge", maxAge)
	sched, err := cron.ParseStandard(schedule)
	if err != nil || strings.HasPrefix(strings.TrimSpace(schedule), "@") || strings.HasPrefix(schedule, "CRON_TZ") || strings.HasPrefix(schedule, "TZ") {
		msg := "five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\""
		if err != nil {
			msg = err.Error() + "; " + msg
		}
		c.errorf(src, KindValue, field+".schedule", "%q is not a cron schedule: %s", schedule, msg)
		return
	}
	if f := strings.Fields(schedule); awsBackup && f[2] != "*" && f[4] != "*" {
		c.errorf(src, KindValue, field+".schedule", "%q sets both day-of-month and day-of-week; AWS Backup takes one of them", schedule)
	}
	cs, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return // descriptors and time zones are refused above
	}
	gap, fires := c.longestGap(cs)
	switch {
	case !fires:
		c.errorf(src, KindValue, field+".schedule", "%q never fires: %s; use a day every month has (1 to 28), or * with a day of the week", schedule, missingDays(cs))
	case gap > leapOnly:
		c.errorf(src, KindValue, field+".schedule", "%q fires only on 29 February, once every four years; use a day every month has (1 to 28), or * with a day of the week", schedule)
	case okAge && gap > age:
		c.errorf(src, KindValue, field+".maxAge", "%s is shorter than the %s between two runs of schedule %q; the %s would fire between every two runs",
			string(maxAge), model.Duration(gap), schedule, alert)
	}
}

// databaseNames refuses the names a database takes from the service's
// own (its connection secrets and its backup bucket), a login role
// PostgreSQL or RDS keeps for themselves, and job names Kubernetes would
// refuse.
func (c *checker) databaseNames(s *Service) {
	if u := DatabaseUser(s); strings.HasPrefix(u, "pg_") || slices.Contains(reservedRoles, u) {
		c.errorf(s.Source, KindValue, "database", "the login role of %s's database would be %q, which PostgreSQL or RDS keeps for itself; rename the service", s.Name, u)
	}
	if n := DrillJobName(s); len(n) > maxCronJobName {
		c.errorf(s.Source, KindValue, "database", "the restore drill's CronJob would be named %q, %d characters; Kubernetes allows %d for a CronJob: shorten the service name", n, len(n), maxCronJobName)
	}
	for i, n := range s.Secrets {
		if n == DatabaseSecret {
			c.errorf(s.Source, KindValue, fmt.Sprintf("secrets[%d]", i), "%q is the secret Groundwork makes for the connection to %s's database; give this one another name", n, s.Name)
		}
	}
	for i, n := range s.Secrets {
		if n == DatabaseK8sSecret(s) {
			c.errorf(s.Source, KindValue, fmt.Sprintf("secrets[%d]", i), "%q is the Kubernetes Secret that holds the connection to %s's database; give this one another name", n, s.Name)
		}
	}
	for i, b := range s.Buckets {
		if b.Name == BackupBucket {
			c.errorf(s.Source, KindValue, fmt.Sprintf("buckets[%d].name", i), "%q is the bucket Groundwork makes for the backups of %s's database; give this one another name", b.Name, s.Name)
		}
	}
}

type gapOf struct {
	gap   time.Duration
	fires bool
}

// longestGap is scanGaps, memoised for the validation.
func (c *checker) longestGap(s *cron.SpecSchedule) (time.Duration, bool) {
	key := [5]uint64{s.Minute, s.Hour, s.Dom, s.Month, s.Dow}
	if g, ok := c.gaps.Load(key); ok {
		return g.(gapOf).gap, g.(gapOf).fires
	}
	gap, fires := scanGaps(s)
	c.gaps.Store(key, gapOf{gap, fires})
	return gap, fires
}

// cronCycle is the span after which a five-field UTC schedule repeats: 28
// years hold every combination of weekday, day of month and leap year (the
// Gregorian century rule does not apply between 1901 and 2099).
const cronCycle = 28

// leapOnly is longer than any gap of a schedule that fires every year.
const leapOnly = 3 * 366 * 24 * time.Hour

// scanGaps is the longest time between two runs of a schedule, and whether
// it fires at all. Runs repeat every day on the same times, so it walks the
// days of one cycle rather than the runs (a schedule may fire every minute):
// a fixed number of steps whatever the schedule, never dependent on today.
func scanGaps(s *cron.SpecSchedule) (time.Duration, bool) {
	var times []time.Duration // times of day of the runs, ascending
	for h := range 24 {
		for m := range 60 {
			if s.Hour&(1<<h) != 0 && s.Minute&(1<<m) != 0 {
				times = append(times, time.Duration(h)*time.Hour+time.Duration(m)*time.Minute)
			}
		}
	}
	if len(times) == 0 {
		return 0, false
	}
	var gap time.Duration
	for i := 1; i < len(times); i++ {
		gap = max(gap, times[i]-times[i-1])
	}
	// Between two firing days, the gap runs from the last run of the first
	// to the first run of the second.
	first, last := times[0], times[len(times)-1]
	between := func(from, to int) time.Duration {
		return time.Duration(to-from)*24*time.Hour + first - last
	}
	firstDay, prevDay, day := -1, -1, 0
	wd := time.Date(cronStart, time.January, 1, 0, 0, 0, 0, time.UTC).Weekday()
	for y := cronStart; y < cronStart+cronCycle; y++ {
		for m := time.January; m <= time.December; m++ {
			n := daysIn(y, m)
			if s.Month&(1<<uint(m)) == 0 {
				day, wd = day+n, (wd+time.Weekday(n))%7
				continue
			}
			for d := 1; d <= n; d++ {
				if dayFires(s, d, wd) {
					if prevDay >= 0 {
						gap = max(gap, between(prevDay, day))
					} else {
						firstDay = day
					}
					prevDay = day
				}
				day++
				wd = (wd + 1) % 7
			}
		}
	}
	if firstDay < 0 {
		return 0, false
	}
	return max(gap, between(prevDay, firstDay+day)), true // the cycle wraps around
}

// cronStart is the first year of the cycle scanGaps walks: a fixed year, so
// that the answer never depends on today.
const cronStart = 2025

// daysIn is the length of a month.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayFires is robfig/cron's day rule: day of month and day of week must
// both match when either is *, and either of them otherwise.
func dayFires(s *cron.SpecSchedule, dom int, wd time.Weekday) bool {
	const star = 1 << 63
	domOK := s.Dom&(1<<uint(dom)) != 0
	dowOK := s.Dow&(1<<uint(wd)) != 0
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// missingDays says why a schedule never fires: a schedule that names
// months and days of month but no day of the week fires on no day when none
// of those months has those days, e.g. 30 February.
func missingDays(s *cron.SpecSchedule) string {
	var days, months []string
	for d := 1; d <= 31; d++ {
		if s.Dom&(1<<d) != 0 {
			days = append(days, fmt.Sprint(d))
		}
	}
	for m := time.January; m <= time.December; m++ {
		if s.Month&(1<<uint(m)) != 0 {
			months = append(months, m.String())
		}
	}
	return "there is no " + orList(days) + " " + orList(months)
}

// orList joins words as prose: "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
