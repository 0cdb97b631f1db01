// Package drilltest runs the whole backup and restore path on this machine
// and writes what it measured as a report (reports/restore-drill-*.md):
// the reference api on a real PostgreSQL, written to through its HTTP API;
// pgops backup to a real S3 API (moto_server on 127.0.0.1); pgops drill
// restoring into a fresh scratch PostgreSQL and verifying it; and a corrupt
// and a truncated dump failing the drill.
//
// Its test is behind the build tag drill, since it builds pgops and takes
// half a minute (minutes more when it first builds pgops); make drill runs it:
//
//	cd backend && go test -tags drill ./internal/drilltest -run TestDrill -count=1 -v -timeout 20m -report=reports/restore-drill-$(date +%Y%m%d).md
//
// A relative -report is relative to the repository root.
package drilltest
