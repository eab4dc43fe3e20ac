package engine

import (
	"regexp"
	"strconv"
	"strings"
)

// Error is a failure reported by the engine itself.
type Error struct {
	// Code is ClickHouse's numeric error code (e.g. 60 for UNKNOWN_TABLE),
	// 0 when the engine's text carried none.
	Code int
	// Message is the engine's full text, "Code: N. DB::Exception: ...",
	// which ClickHouse clients know how to parse.
	Message string
}

func (e *Error) Error() string { return e.Message }

var errorCodeRe = regexp.MustCompile(`^Code:\s*(\d+)\.`)

// unknownErrorCode is ClickHouse's STD_EXCEPTION, used when the engine's
// text carries no code so clients still see a well-formed exception.
const unknownErrorCode = 1001

func parseError(text string) *Error {
	text = strings.TrimSpace(text)
	if m := errorCodeRe.FindStringSubmatch(text); m != nil {
		if code, err := strconv.Atoi(m[1]); err == nil && code > 0 {
			return &Error{Code: code, Message: text}
		}
	}
	if text == "" {
		text = "the engine reported a failure without a message"
	}
	return &Error{Code: unknownErrorCode, Message: "Code: " + strconv.Itoa(unknownErrorCode) + ". DB::Exception: " + text}
}

// ClickHouse error codes this package reports itself.
const (
	codeSyntaxError                = 62
	codeUnknownSetting             = 115
	codeTimeoutExceeded            = 159
	codeReadonly                   = 164
	codeTooManySimultaneousQueries = 202
	codeQueryWasCancelled          = 394
	codeTooManyRowsOrBytes         = 396
	codeSettingConstraintViolation = 452
	codeAccessDenied               = 497
)
