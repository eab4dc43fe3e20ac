package hostile

import (
	"os"
	"testing"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// aurigraphBin is the aurigraph executable the test runs, built once by TestMain.
var aurigraphBin string

func TestMain(m *testing.M) {
	os.Exit(testbin.Main(m, "AURIGRAPH_HOSTILE_BIN", &aurigraphBin))
}
