package bench

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// allocsFrom marks what the process (the pipeline and the bench's own
// producers and observers) has allocated so far; the function it returns
// writes to w a profile of what was allocated since. The runtime's profile
// counts from the start of the process, so the mark is subtracted from it,
// as go tool pprof -base does.
func allocsFrom(w io.Writer) (func() error, error) {
	base, err := allocsNow()
	if err != nil {
		return nil, err
	}
	return func() error {
		now, err := allocsNow()
		if err != nil {
			return err
		}
		base.Scale(-1)
		delta, err := profile.Merge([]*profile.Profile{now, base})
		if err != nil {
			return fmt.Errorf("bench: allocation profile: %w", err)
		}
		if err := delta.Write(w); err != nil {
			return fmt.Errorf("bench: write the allocation profile: %w", err)
		}
		return nil
	}, nil
}

func allocsNow() (*profile.Profile, error) {
	// The profile is as of the last collection but one; a collection now
	// brings it up to now, as /debug/pprof/allocs?gc=1 does.
	runtime.GC()
	var buf bytes.Buffer
	if err := pprof.Lookup("allocs").WriteTo(&buf, 0); err != nil {
		return nil, fmt.Errorf("bench: allocation profile: %w", err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("bench: allocation profile: %w", err)
	}
	return p, nil
}
