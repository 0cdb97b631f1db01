package partners

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultRefresh is how often the files are looked at. The kubelet takes
// up to a minute or so to update a mounted ConfigMap or Secret; a revoked
// key is refused a couple of seconds after that.
const DefaultRefresh = 2 * time.Second

// watched is a file read at start and reread, at most once every refresh,
// when it is asked for. Its contents are read and compared whole, rather
// than its mtime and size: the files are a few kilobytes, and the kubelet's
// atomic symlink swap and an editor's rename both show in the bytes.
//
// A file that is missing holds nothing (no partner admitted, no keys): the
// service fails closed, and says so once. A file that changes into one that
// does not parse keeps the last good contents, and says so once per change,
// so that a broken write does not lock every partner out.
type watched[T any] struct {
	path, what string // what names the file in log lines
	refresh    time.Duration
	parse      func([]byte) (T, error)
	log        *slog.Logger
	now        func() time.Time

	mu      sync.Mutex
	checked time.Time
	data    []byte // as last read
	missing bool
	readErr string // the last read error logged, so it is logged once
	val     T
}

// watch reads the file at path. A missing file is no error, a file that
// does not parse is: a service must not start on a configuration it cannot
// read.
func watch[T any](path, what string, refresh time.Duration, parse func([]byte) (T, error), logger *slog.Logger, now func() time.Time) (*watched[T], error) {
	w := &watched[T]{path: path, what: what, refresh: refresh, parse: parse, log: logger, now: now}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.setMissing()
	case err != nil:
		return nil, fmt.Errorf("partners: %w", err)
	default:
		v, err := parse(data)
		if err != nil {
			return nil, fmt.Errorf("partners: %s %s: %w", what, path, err)
		}
		w.data, w.val = data, v
	}
	w.checked = now()
	return w, nil
}

// get returns the contents, rereading the file when refresh has passed.
func (w *watched[T]) get() T {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	if now.Sub(w.checked) < w.refresh {
		return w.val
	}
	w.checked = now
	data, err := os.ReadFile(w.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !w.missing {
			w.setMissing()
		}
		return w.val
	case err != nil:
		if err.Error() != w.readErr {
			w.readErr = err.Error()
			w.log.Error("partners: cannot read the "+w.what+"; keeping what was read before", "path", w.path, "error", err)
		}
		return w.val
	}
	w.readErr = ""
	if !w.missing && bytes.Equal(data, w.data) {
		return w.val
	}
	w.missing, w.data = false, data
	v, err := w.parse(data)
	if err != nil {
		w.log.Error("partners: the "+w.what+" changed and is not valid; keeping what was read before", "path", w.path, "error", err)
		return w.val
	}
	w.val = v
	w.log.Info("partners: reloaded the "+w.what, "path", w.path)
	return v
}

func (w *watched[T]) setMissing() {
	var zero T
	w.missing, w.data, w.val = true, nil, zero
	w.log.Warn("partners: no "+w.what+"; every partner request is refused until it appears", "path", w.path)
}
