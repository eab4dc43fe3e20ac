package chhttp

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ClickHouse/ch-go/compress"
)

// responseBuffer is how much of a result is held back before the response
// starts: a query that fails within it is answered with its error status,
// as ClickHouse does with its own response buffer.
const responseBuffer = 1 << 20

// compressBlockSize is ClickHouse's max_compress_block_size default.
const compressBlockSize = 1 << 20

// statusAborted marks a response cut short after it started: the client got
// a 200 and part of the body, then the error text, then a broken connection,
// so no client takes the body for complete.
const statusAborted = -1

// response streams a query's output to the client: framed in ClickHouse's
// compressed blocks when the client asked compress=1, HTTP-compressed when
// it enabled that, and held back until responseBuffer bytes or the end.
type response struct {
	h         *Handler
	w         http.ResponseWriter
	r         *http.Request
	format    string
	queryID   string
	native    *compress.Writer
	encoding  string
	zw        io.WriteCloser
	buf       bytes.Buffer
	committed bool
	sinkErr   error
}

func (h *Handler) newResponse(w http.ResponseWriter, r *http.Request, p *params, format string) *response {
	o := &response{h: h, w: w, r: r, format: format, queryID: queryID(p)}
	if p.compress {
		o.native = compress.NewWriter(p.compressLevel, p.compressMethod)
	}
	if p.httpCompress {
		o.encoding = pickEncoding(r.Header.Get("Accept-Encoding"))
	}
	switch o.encoding {
	case "gzip":
		o.zw = gzip.NewWriter(sink{o})
	case "deflate":
		o.zw = zlib.NewWriter(sink{o})
	}
	return o
}

// write takes one chunk of the query's output.
func (o *response) write(chunk []byte) error {
	if o.native == nil {
		return o.encode(chunk)
	}
	for len(chunk) > 0 {
		n := min(len(chunk), compressBlockSize)
		if err := o.native.Compress(chunk[:n]); err != nil {
			return fmt.Errorf("chhttp: compress response: %w", err)
		}
		if err := o.encode(o.native.Data); err != nil {
			return err
		}
		chunk = chunk[n:]
	}
	return nil
}

func (o *response) encode(b []byte) error {
	if o.zw != nil {
		_, err := o.zw.Write(b)
		return err
	}
	_, err := sink{o}.Write(b)
	return err
}

// sink holds output back until the response commits, then passes it on.
type sink struct{ o *response }

func (s sink) Write(b []byte) (int, error) {
	o := s.o
	if o.sinkErr != nil {
		return 0, o.sinkErr
	}
	if !o.committed {
		o.buf.Write(b)
		if o.buf.Len() < responseBuffer {
			return len(b), nil
		}
		o.commit(-1)
		b = o.buf.Bytes()
		defer o.buf.Reset()
	}
	if o.r.Method == http.MethodHead {
		return len(b), nil
	}
	if _, err := o.w.Write(b); err != nil {
		o.sinkErr = fmt.Errorf("chhttp: send response: %w", err)
		return 0, o.sinkErr
	}
	return len(b), nil
}

// commit sends the headers; length is the body's size when it is known.
func (o *response) commit(length int) {
	hdr := o.w.Header()
	hdr.Set("Content-Type", contentType(o.format))
	hdr.Set("X-ClickHouse-Format", o.format)
	hdr.Set("X-ClickHouse-Query-Id", o.queryID)
	if o.encoding != "" {
		hdr.Set("Content-Encoding", o.encoding)
		hdr.Add("Vary", "Accept-Encoding")
	}
	if length >= 0 {
		hdr.Set("Content-Length", strconv.Itoa(length))
	}
	o.w.WriteHeader(http.StatusOK)
	o.committed = true
}

// finish ends the response after the query ended with err, and returns the
// status sent (statusAborted when the response had started).
func (o *response) finish(err error) int {
	if err == nil && o.zw != nil {
		err = o.zw.Close()
	}
	if err == nil {
		if o.committed {
			return http.StatusOK
		}
		o.commit(o.buf.Len())
		if o.r.Method != http.MethodHead {
			_, _ = o.w.Write(o.buf.Bytes())
		}
		return http.StatusOK
	}
	if !o.committed {
		return o.h.fail(o.w, o.r, err)
	}
	_, _, msg := o.h.describe(o.r, err)
	_, _ = io.WriteString(o.w, "\n"+msg+"\n")
	// Send it before the connection is cut.
	_ = http.NewResponseController(o.w).Flush()
	return statusAborted
}

func pickEncoding(accept string) string {
	var deflate bool
	for _, part := range strings.Split(accept, ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if v, found := strings.CutPrefix(strings.TrimSpace(q), "q="); found {
			if weight, err := strconv.ParseFloat(v, 64); err == nil && weight == 0 {
				continue
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			return "gzip"
		case "deflate":
			deflate = true
		}
	}
	if deflate {
		return "deflate"
	}
	return ""
}
