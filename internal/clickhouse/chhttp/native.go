package chhttp

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"

	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
)

// Protocol revisions at which the Native format grew parts, from
// ClickHouse's ProtocolDefines.h.
const (
	revisionWithBlockInfo           = 51903
	revisionWithCustomSerialization = 54454
)

// handshake answers clickhouse-go's connection query. The driver decodes this
// one response at the protocol revision it announced and every later one at
// the revision reported here; the engine reads and writes revision-0 Native,
// so the answer reports revision 0 in a block encoded at the client's revision.
func (h *Handler) handshake(ctx context.Context, w http.ResponseWriter, r *http.Request, p *params, reader bool) int {
	opts := []engine.CallOption{}
	if reader {
		opts = append(opts, engine.AsReader())
	}
	out, err := h.eng.Query(ctx, "SELECT displayName(), version(), timezone()", "TabSeparatedRaw", opts...)
	if err != nil {
		return h.fail(w, r, err)
	}
	fields := strings.Split(strings.TrimSuffix(string(out), "\n"), "\t")
	if len(fields) != 3 {
		return h.fail(w, r, fmt.Errorf("chhttp: unexpected server identity %q", out))
	}
	resp := h.newResponse(w, r, p, "Native")
	return resp.finish(resp.write(encodeHandshake(p.revision, fields[0], fields[1], fields[2])))
}

func encodeHandshake(revision uint64, displayName, version, timezone string) []byte {
	var b []byte
	if revision >= revisionWithBlockInfo {
		// BlockInfo: field 1 is_overflows=false, field 2 bucket_num=-1, end.
		b = append(b, 1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0)
	}
	b = binary.AppendUvarint(b, 4) // columns
	b = binary.AppendUvarint(b, 1) // rows
	column := func(name, typ string, data []byte) {
		b = appendString(b, name)
		b = appendString(b, typ)
		if revision >= revisionWithCustomSerialization {
			b = append(b, 0) // no custom serialization
		}
		b = append(b, data...)
	}
	column("displayName()", "String", appendString(nil, displayName))
	column("version()", "String", appendString(nil, version))
	column("revision()", "UInt32", binary.LittleEndian.AppendUint32(nil, 0))
	column("timezone()", "String", appendString(nil, timezone))
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
