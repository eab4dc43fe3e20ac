package ops

import (
	"os"
	"testing"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// binary is the aurigraph executable every test runs, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(testbin.Main(m, "AURIGRAPH_OPS_BIN", &binary))
}
