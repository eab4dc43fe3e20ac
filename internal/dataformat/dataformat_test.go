package dataformat

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		v, read uint32
		tooNew  bool
	}{
		{0, 1, false}, // written before versions were recorded
		{1, 1, false},
		{1, 2, false},
		{2, 1, true},
	} {
		err := Check("raft snapshot at index 7", tc.v, tc.read)
		if errors.Is(err, ErrTooNew) != tc.tooNew {
			t.Errorf("Check(%d, read %d) = %v, want ErrTooNew %v", tc.v, tc.read, err, tc.tooNew)
		}
		if tc.tooNew && !strings.Contains(err.Error(), "raft snapshot at index 7 is format 2") {
			t.Errorf("Check(%d, read %d) = %v: want it to name what it read and its format", tc.v, tc.read, err)
		}
	}
}
