package chhttp

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ClickHouse/ch-go/compress"
)

// params is what a request's URL parameters and headers ask for.
type params struct {
	query         string
	database      string
	defaultFormat string
	queryID       string
	revision      uint64 // client_protocol_version; 0 when absent
	httpCompress  bool   // enable_http_compression
	readonly      bool   // readonly=1|2: only read-only statements
	// compress asks for the response in ClickHouse's native compressed
	// blocks, decompress says the body is in them; method is for compress.
	compress, decompress bool
	compressMethod       compress.Method
	compressLevel        compress.Level
	settings             map[string]string
	queryParams          map[string]string
}

// consumed are URL parameters the HTTP layer itself interprets or that carry
// no meaning for a single in-process engine; everything else is a setting.
var consumed = map[string]bool{
	"query":                       true,
	"database":                    true,
	"default_format":              true,
	"query_id":                    true,
	"client_protocol_version":     true,
	"enable_http_compression":     true,
	"http_zlib_compression_level": true,
	// The first MiB of a result is always held back before the response
	// starts, whatever these ask for.
	"wait_end_of_query":         true,
	"buffer_size":               true,
	"http_response_buffer_size": true,
	// Error bodies always carry the engine's full message.
	"stacktrace": true,
	// Progress is not sent in headers; a query is always cancelled when its
	// client goes away.
	"send_progress_in_http_headers":                true,
	"http_headers_progress_interval_ms":            true,
	"cancel_http_readonly_queries_on_client_close": true,
	// Checked against Options.Users when it is set.
	"user":      true,
	"password":  true,
	"quota_key": true,
	// Tools such as clickhouse-connect open a session by default. Requests
	// are served alike with or without one; the statements that would need
	// session state (SET, USE) are refused with an explanation instead.
	"session_id":      true,
	"session_timeout": true,
	"session_check":   true,
}

// badRequest is a request the front refuses before the engine sees it. It
// renders like an engine exception so ClickHouse clients surface it typed.
type badRequest struct {
	status int
	code   int
	name   string
	msg    string
}

func (e *badRequest) Error() string {
	return fmt.Sprintf("Code: %d. DB::Exception: %s. (%s)", e.code, e.msg, e.name)
}

func refuse(status, code int, name, format string, args ...any) *badRequest {
	return &badRequest{status: status, code: code, name: name, msg: fmt.Sprintf(format, args...)}
}

const (
	codeNotImplemented             = 48
	codeSyntaxError                = 62
	codeBadArguments               = 36
	codeReadonly                   = 164
	codeAuthenticationFailed       = 516
	codeUnknownFormat              = 73
	codeUnknownSetting             = 115
	codeTooManySimultaneousQueries = 202
	codeSettingConstraintViolation = 452
	codeAccessDenied               = 497
)

// parseParams interprets URL parameters and ClickHouse request headers.
func parseParams(q url.Values, h http.Header) (*params, error) {
	p := &params{
		compressMethod: compress.LZ4,
		database:       "default",
		defaultFormat:  "TabSeparated",
		settings:       map[string]string{},
		queryParams:    map[string]string{},
	}
	if v := h.Get("X-ClickHouse-Database"); v != "" {
		p.database = v
	}
	if v := h.Get("X-ClickHouse-Format"); v != "" {
		p.defaultFormat = v
	}
	p.queryID = h.Get("X-ClickHouse-Query-Id")
	for name, values := range q {
		if len(values) == 0 {
			continue
		}
		v := values[len(values)-1]
		switch {
		case name == "query":
			p.query = v
		case name == "database":
			if v != "" {
				p.database = v
			}
		case name == "default_format":
			if !validFormatName(v) {
				return nil, refuse(http.StatusBadRequest, codeUnknownFormat, "UNKNOWN_FORMAT", "default_format %q is not a format name", v)
			}
			p.defaultFormat = v
		case name == "query_id":
			p.queryID = v
		case name == "client_protocol_version":
			rev, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return nil, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "client_protocol_version %q is not a number", v)
			}
			p.revision = rev
		case name == "readonly":
			// Enforced here rather than applied: once set on the shared
			// connection, readonly would forbid resetting it afterwards.
			switch v {
			case "0", "":
			case "1", "2":
				p.readonly = true
			default:
				return nil, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "readonly must be 0, 1 or 2, not %q", v)
			}
		case name == "enable_http_compression":
			p.httpCompress = truthy(v)
		case name == "compress":
			p.compress = truthy(v)
		case name == "decompress":
			p.decompress = truthy(v)
		case name == "network_compression_method":
			m, ok := compressionMethods[strings.ToUpper(v)]
			if !ok {
				return nil, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "network_compression_method %q is not one of LZ4, LZ4HC, ZSTD, NONE", v)
			}
			p.compressMethod = m
		case name == "network_zstd_compression_level":
			level, err := strconv.ParseUint(v, 10, 8)
			if err != nil || level > 22 {
				return nil, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "network_zstd_compression_level %q is not a level from 0 to 22", v)
			}
			p.compressLevel = compress.Level(level)
		case strings.HasPrefix(name, "param_"):
			if len(name) == len("param_") {
				return nil, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "query parameter name is empty in %q", name)
			}
			p.queryParams[strings.TrimPrefix(name, "param_")] = v
		case consumed[name]:
		default:
			if !validSettingName(name) {
				return nil, refuse(http.StatusBadRequest, codeUnknownSetting, "UNKNOWN_SETTING", "URL parameter %q is neither a known parameter nor a setting name", name)
			}
			p.settings[name] = v
		}
	}
	return p, nil
}

func truthy(v string) bool { return v == "1" || strings.EqualFold(v, "true") }

var compressionMethods = map[string]compress.Method{
	"LZ4": compress.LZ4, "LZ4HC": compress.LZ4HC, "ZSTD": compress.ZSTD, "NONE": compress.None,
}

func validSettingName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

func validFormatName(s string) bool { return validSettingName(s) }

// contentType is what a response in format is served as.
func contentType(format string) string {
	switch strings.ToLower(format) {
	case "tabseparated", "tsv", "tabseparatedraw", "tsvraw", "tabseparatedwithnames", "tsvwithnames",
		"tabseparatedwithnamesandtypes", "tsvwithnamesandtypes":
		return "text/tab-separated-values; charset=UTF-8"
	case "csv", "csvwithnames", "csvwithnamesandtypes":
		return "text/csv; charset=UTF-8; header=absent"
	case "json", "jsoncompact", "jsonstrings", "jsoncompactstrings", "jsoncolumns":
		return "application/json; charset=UTF-8"
	case "jsoneachrow", "jsonlines", "ndjson", "jsoncompacteachrow", "jsonstringseachrow":
		return "application/x-ndjson; charset=UTF-8"
	case "pretty", "prettycompact", "prettyspace", "prettynoescapes", "prettycompactmonoblock", "vertical", "markdown":
		return "text/plain; charset=UTF-8"
	case "xml":
		return "application/xml; charset=UTF-8"
	}
	return "application/octet-stream"
}
