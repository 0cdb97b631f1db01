package pgops

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DefaultSampleRows is how many rows of each table, the first by primary
// key, a backup checksums. Counting catches lost rows; the sample catches
// rows that came back with other values (a wrong encoding, a truncated
// column, a restore from the wrong dump) at a cost independent of the
// table's size.
const DefaultSampleRows = 1000

// Inventory is what a backup records of the database, and what a drill
// reads back from the restored copy to compare.
type Inventory struct {
	// Migration is the schema's migration version; nil when no known
	// migrations table exists.
	Migration *Migration `json:"migration"`
	// SampleRows is the size of each table's checksummed sample.
	SampleRows int     `json:"sample_rows"`
	Tables     []Table `json:"tables"`
}

// Migration is the version a migration tool recorded, and its table.
type Migration struct {
	Table   string `json:"table"`
	Version string `json:"version"`
}

// Table is one user table.
type Table struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Rows is the table's exact row count.
	Rows int64 `json:"rows"`
	// Key is the primary key the sample is ordered by; empty when the table
	// has none, and then it is only counted (no order makes "the first rows"
	// the same rows in the restored copy).
	Key []string `json:"key,omitempty"`
	// SampleMD5 is the md5 of the text of the first SampleRows rows by Key,
	// one a line.
	SampleMD5 string `json:"sample_md5,omitempty"`
}

func (t Table) String() string { return t.Schema + "." + t.Name }

func (t Table) ident() string { return pgx.Identifier{t.Schema, t.Name}.Sanitize() }

// sessionSettings fix how values print, so that a row's text, which the
// sample checksum is made of, is the same on the database and on the
// scratch server the drill restores into, whatever their defaults.
var sessionSettings = map[string]string{
	"TimeZone":           "UTC",
	"DateStyle":          "ISO, YMD",
	"IntervalStyle":      "postgres",
	"extra_float_digits": "1",
	"bytea_output":       "hex",
}

// querier is a connection or a transaction: a backup reads its inventory
// inside the exported snapshot's transaction, a drill on a plain connection.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// migrationTables are the tables migration tools keep their version in, by
// search_path name, and how to read the version from each. The reference
// service writes schema_migrations (backend/internal/orders); so do
// golang-migrate and Rails.
var migrationTables = []struct{ table, query string }{
	{"schema_migrations", `SELECT max(version)::text FROM schema_migrations`},
	{"goose_db_version", `SELECT max(version_id)::text FROM goose_db_version WHERE is_applied`},
	{"flyway_schema_history", `SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1`},
	{"alembic_version", `SELECT max(version_num)::text FROM alembic_version`},
}

// userTables lists the tables whose data pg_dump dumps: ordinary tables
// (partitions included, partitioned parents not, since their rows are their
// partitions'), outside the system schemas and not members of an extension.
// For each, the primary key's columns in key order, and whether each is
// collatable.
const userTables = `
SELECT n.nspname, c.relname,
       coalesce(array_agg(a.attname::text ORDER BY k.ord) FILTER (WHERE a.attname IS NOT NULL), '{}'),
       coalesce(array_agg(a.attcollation <> 0 ORDER BY k.ord) FILTER (WHERE a.attname IS NOT NULL), '{}')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
LEFT JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY n.nspname, c.relname
ORDER BY n.nspname, c.relname`

// takeInventory reads the migration version, and every user table's exact
// count and sample checksum. The session must have [sessionSettings].
func takeInventory(ctx context.Context, q querier, sampleRows int) (Inventory, error) {
	inv := Inventory{SampleRows: sampleRows}
	for _, m := range migrationTables {
		var exists bool
		if err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", m.table).Scan(&exists); err != nil {
			return inv, fmt.Errorf("look for %s: %w", m.table, err)
		}
		if !exists {
			continue
		}
		var v *string
		if err := q.QueryRow(ctx, m.query).Scan(&v); err != nil {
			return inv, fmt.Errorf("read the migration version from %s: %w", m.table, err)
		}
		inv.Migration = &Migration{Table: m.table}
		if v != nil {
			inv.Migration.Version = *v
		}
		break
	}

	type keyed struct {
		Table
		collatable []bool
	}
	var tables []keyed
	rows, err := q.Query(ctx, userTables)
	if err != nil {
		return inv, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t keyed
		if err := rows.Scan(&t.Schema, &t.Name, &t.Key, &t.collatable); err != nil {
			return inv, fmt.Errorf("list tables: %w", err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return inv, fmt.Errorf("list tables: %w", err)
	}

	for _, t := range tables {
		if err := q.QueryRow(ctx, "SELECT count(*) FROM "+t.ident()).Scan(&t.Rows); err != nil {
			return inv, fmt.Errorf("count %s: %w", t, err)
		}
		if len(t.Key) > 0 {
			if err := q.QueryRow(ctx, sampleQuery(t.Table, t.collatable), sampleRows).Scan(&t.SampleMD5); err != nil {
				return inv, fmt.Errorf("checksum a sample of %s: %w", t, err)
			}
		}
		inv.Tables = append(inv.Tables, t.Table)
	}
	return inv, nil
}

// sampleQuery checksums the first $1 rows of t by its primary key. Text
// keys are ordered by their bytes (COLLATE "C"): the scratch server's
// collation need not be the database's, and another order would pick other
// rows.
func sampleQuery(t Table, collatable []bool) string {
	order := make([]string, len(t.Key))
	for i, col := range t.Key {
		order[i] = pgx.Identifier{col}.Sanitize()
		if collatable[i] {
			order[i] += ` COLLATE "C"`
		}
	}
	by := strings.Join(order, ", ")
	return fmt.Sprintf(`SELECT coalesce(md5(string_agg(s::text, E'\n' ORDER BY %s)), md5('')) FROM (SELECT * FROM %s ORDER BY %s LIMIT $1) s`,
		by, t.ident(), by)
}

// compare lists how restored differs from what the backup recorded, one
// short sentence a difference.
func compare(backup, restored Inventory) []string {
	var diffs []string
	switch b, r := backup.Migration, restored.Migration; {
	case b == nil && r != nil:
		diffs = append(diffs, fmt.Sprintf("migration version %s (%s) restored, the backup recorded none", r.Version, r.Table))
	case b != nil && r == nil:
		diffs = append(diffs, fmt.Sprintf("migration table %s missing, the backup recorded version %s", b.Table, b.Version))
	case b != nil && *b != *r:
		diffs = append(diffs, fmt.Sprintf("migration version %s (%s) restored, the backup recorded %s (%s)", r.Version, r.Table, b.Version, b.Table))
	}
	got := map[string]Table{}
	for _, t := range restored.Tables {
		got[t.String()] = t
	}
	for _, want := range backup.Tables {
		t, ok := got[want.String()]
		delete(got, want.String())
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("table %s missing", want))
		case t.Rows != want.Rows:
			diffs = append(diffs, fmt.Sprintf("%s has %d rows, the backup had %d", want, t.Rows, want.Rows))
		case t.SampleMD5 != want.SampleMD5:
			diffs = append(diffs, fmt.Sprintf("%s: the first %d rows by primary key differ (checksum %s, the backup's %s)",
				want, min(int64(backup.SampleRows), want.Rows), short(t.SampleMD5), short(want.SampleMD5)))
		}
	}
	for _, t := range restored.Tables {
		if _, extra := got[t.String()]; extra {
			diffs = append(diffs, fmt.Sprintf("table %s restored, but not in the backup's manifest", t))
		}
	}
	return diffs
}

func short(sum string) string {
	if sum == "" {
		return "none"
	}
	return sum[:min(len(sum), 12)]
}
