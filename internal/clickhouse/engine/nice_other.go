//go:build !linux

package engine

import "errors"

func threadLowerer(int) (func() (int, error), error) {
	return nil, errors.New("setting a thread's nice value is only supported on Linux")
}
