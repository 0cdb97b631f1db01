package opstest

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// StartS3 serves an S3 API from this process on 127.0.0.1 until the test
// ends and returns its URL, for [AWSEnv]. It is gofakes3 with its memory
// backend: the S3 REST protocol the SDK speaks over HTTP (path-style
// buckets, PutObject, GetObject, ListObjectsV2 with a prefix and
// continuation, DeleteObject), so the jobs' uploads and downloads are real
// HTTP requests signed and parsed by the SDK, yet `go test ./...` needs
// nothing but Go. It has no Secrets Manager: the test of pgops grant that
// reads one runs against [StartMoto] (build tag moto).
func StartS3(t testing.TB) string {
	t.Helper()
	s3 := gofakes3.New(s3mem.New(), gofakes3.WithLogger(testLog{t}))
	srv := httptest.NewServer(s3.Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

// testLog puts gofakes3's warnings and errors in the test's log; the
// server is closed, and its requests done, before the test ends.
type testLog struct{ t testing.TB }

func (l testLog) Print(level gofakes3.LogLevel, v ...any) {
	if level == gofakes3.LogErr || level == gofakes3.LogWarn {
		l.t.Logf("gofakes3 %s: %s", level, strings.TrimSpace(fmt.Sprintln(v...)))
	}
}
