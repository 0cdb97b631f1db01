//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package tree

import (
	"errors"
	"os"
	"syscall"
)

// flock takes f's lock without waiting, as the Linux version does.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return ErrBusy
		}
		return &os.PathError{Op: "lock", Path: f.Name(), Err: err}
	}
}
