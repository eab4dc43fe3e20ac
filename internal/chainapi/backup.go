package chainapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/backup"
)

// Backup streams a backup of one of this process's validators to w
// (consensus.Node.WriteBackup): validator, or the first when it is 0.
func (s *Service) Backup(ctx context.Context, w io.Writer, validator uint64) (backup.Manifest, error) {
	n := s.nodes[0]
	if validator != 0 {
		n = nil
		for _, c := range s.nodes {
			if c.ID() == validator {
				n = c
			}
		}
		if n == nil {
			return backup.Manifest{}, badArgument("validator", "%d does not run in this process", validator)
		}
	}
	start := time.Now()
	m, err := n.WriteBackup(ctx, w)
	if err != nil {
		s.opts.Logger.Warn("backup failed", "validator", n.ID(), "took", time.Since(start), "err", err)
		return m, err
	}
	var size int64
	for _, p := range m.Parts {
		size += p.Size
	}
	s.opts.Logger.Info("backup streamed", "validator", n.ID(), "applied_index", m.AppliedIndex, "height", m.Height, "bytes", size, "took", time.Since(start))
	return m, nil
}

// backup serves GET /admin/backup?validator=ID: the backup file, streamed.
// An error before the first byte answers with its status; one after it
// aborts the response, so the client never holds a file with a manifest
// that does not match.
func (h *httpHandler) backup(w http.ResponseWriter, r *http.Request) {
	var id uint64
	if v := r.URL.Query().Get("validator"); v != "" {
		var err error
		if id, err = strconv.ParseUint(v, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("validator=%q is not a validator id", v))
			return
		}
	}
	sw := &startedWriter{w: w}
	_, err := h.svc.Backup(r.Context(), sw, id)
	switch {
	case err == nil:
	case sw.started:
		panic(http.ErrAbortHandler)
	case errors.Is(err, consensus.ErrBackupNotReady), errors.Is(err, consensus.ErrBackupBusy):
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeServiceError(w, err)
	}
}

// startedWriter sends the success headers with the first byte.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(b []byte) (int, error) {
	if !s.started {
		s.started = true
		s.w.Header().Set("Content-Type", "application/octet-stream")
		s.w.Header().Set("Content-Disposition", `attachment; filename="aurigraph.backup"`)
		s.w.WriteHeader(http.StatusOK)
	}
	return s.w.Write(b)
}
