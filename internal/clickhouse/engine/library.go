package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// LibraryVersion is the chDB build that deploy/engine/fetch.sh installs.
const LibraryVersion = "26.7.3-stable.1"

// LibraryEnv overrides where the engine library is loaded from.
const LibraryEnv = "AURIGRAPH_CHDB_LIB"

// LibraryPath returns where libchdb.so is expected: $AURIGRAPH_CHDB_LIB when
// set, otherwise the per-user cache that deploy/engine/fetch.sh fills. It
// fails, saying how to install the library, when nothing is there.
func LibraryPath() (string, error) {
	if p := os.Getenv(LibraryEnv); p != "" {
		if err := checkLibraryFile(p); err != nil {
			return "", fmt.Errorf("clickhouse engine: %s=%s: %w", LibraryEnv, p, err)
		}
		return p, nil
	}
	root := os.Getenv("AURIGRAPH_CACHE")
	if root == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("clickhouse engine: locate cache directory: %w (set %s to the path of libchdb.so)", err, LibraryEnv)
			}
			base = filepath.Join(home, ".cache")
		}
		root = filepath.Join(base, "aurigraph")
	}
	p := filepath.Join(root, "chdb", LibraryVersion, "libchdb.so")
	if err := checkLibraryFile(p); err != nil {
		return "", fmt.Errorf("clickhouse engine: engine library %s: %w", p, err)
	}
	return p, nil
}

func checkLibraryFile(p string) error {
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("not found; run `make setup` (deploy/engine/fetch.sh) to download it")
	case err != nil:
		return err
	case st.IsDir() || st.Size() == 0:
		return errors.New("not a usable library file; delete it and run `make setup` (deploy/engine/fetch.sh)")
	}
	return nil
}

// library holds the engine's C entry points. Handles are uintptr because
// they point into engine memory the Go collector must never follow.
type library struct {
	path    string
	version string

	setSignalHandlersEnabled func(enabled int32)
	connect                  func(argc int32, argv unsafe.Pointer) *uintptr
	closeConn                func(connPtr *uintptr)

	queryN           func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr) uintptr
	queryWithParamsN func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr,
		names, nameLens, values, valueLens unsafe.Pointer, count uintptr) uintptr
	resultBuffer        func(res uintptr) *byte
	resultLength        func(res uintptr) uintptr
	resultError         func(res uintptr) string
	resultRowsWritten   func(res uintptr) uint64
	destroyQueryResult  func(res uintptr)
	streamQueryN        func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr) uintptr
	streamQueryParamsN  func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr, names, nameLens, values, valueLens unsafe.Pointer, count uintptr) uintptr
	streamFetchResult   func(conn, res uintptr) uintptr
	streamCancelQuery   func(conn, res uintptr)
	streamInsertN       func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr) uintptr
	streamInsertParamsN func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr,
		names, nameLens, values, valueLens unsafe.Pointer, count uintptr) uintptr
	streamAppend        func(stream uintptr, data unsafe.Pointer, n uintptr) int32
	streamDone          func(stream uintptr) uintptr
	streamCancelInsert  func(stream uintptr)
	streamInsertError   func(stream uintptr) string
	destroyInsertStream func(stream uintptr)
	classifyQueryN      func(conn uintptr, sql unsafe.Pointer, sqlLen uintptr, db unsafe.Pointer, dbLen uintptr, out unsafe.Pointer) int32
}

var (
	libMu     sync.Mutex
	loadedLib *library
)

// loadLibrary dlopens the engine once per process: a shared object cannot be
// unloaded safely once the engine has started its threads, so later calls
// reuse the first load and refuse a different file.
func loadLibrary(path string) (*library, error) {
	if loadedLib != nil {
		if loadedLib.path != path {
			return nil, fmt.Errorf("clickhouse engine: engine library already loaded from %s in this process, cannot also load %s", loadedLib.path, path)
		}
		return loadedLib, nil
	}
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("clickhouse engine: load %s: %w (run `make setup` to reinstall it)", path, err)
	}
	l := &library{path: path}
	var version func() string
	syms := []struct {
		fn   any
		name string
	}{
		{&version, "chdb_version"},
		{&l.setSignalHandlersEnabled, "chdb_set_signal_handlers_enabled"},
		{&l.connect, "chdb_connect"},
		{&l.closeConn, "chdb_close_conn"},
		{&l.queryN, "chdb_query_n"},
		{&l.queryWithParamsN, "chdb_query_with_params_n"},
		{&l.resultBuffer, "chdb_result_buffer"},
		{&l.resultLength, "chdb_result_length"},
		{&l.resultError, "chdb_result_error"},
		{&l.resultRowsWritten, "chdb_result_rows_written"},
		{&l.destroyQueryResult, "chdb_destroy_query_result"},
		{&l.streamQueryN, "chdb_stream_query_n"},
		{&l.streamQueryParamsN, "chdb_stream_query_with_params_n"},
		{&l.streamFetchResult, "chdb_stream_fetch_result"},
		{&l.streamCancelQuery, "chdb_stream_cancel_query"},
		{&l.streamInsertN, "chdb_stream_insert_n"},
		{&l.streamInsertParamsN, "chdb_stream_insert_with_params_n"},
		{&l.streamAppend, "chdb_stream_append"},
		{&l.streamDone, "chdb_stream_done"},
		{&l.streamCancelInsert, "chdb_stream_cancel_insert"},
		{&l.streamInsertError, "chdb_stream_insert_error"},
		{&l.destroyInsertStream, "chdb_destroy_insert_stream"},
		{&l.classifyQueryN, "chdb_classify_query_n"},
	}
	for _, s := range syms {
		addr, err := purego.Dlsym(h, s.name)
		if err != nil {
			return nil, fmt.Errorf("clickhouse engine: %s lacks %s; install chDB %s with `make setup`: %w", path, s.name, LibraryVersion, err)
		}
		purego.RegisterFunc(s.fn, addr)
	}
	l.version = version()
	loadedLib = l
	return l, nil
}
