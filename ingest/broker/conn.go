package broker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/listener"
)

// errRequestTooLarge ends a connection whose next request announces more
// bytes than the broker accepts.
var errRequestTooLarge = errors.New("broker: request larger than the maximum request size")

// errUnknownRequest ends a connection whose next request names an API key
// the Kafka protocol does not have: kfake looks the key up and calls a
// method on what it finds, so one such request would crash the process.
var errUnknownRequest = errors.New("broker: request of an unknown API key")

// limitOf names the aurigraph_listener_limited_total label of a framing
// error.
func limitOf(err error) string {
	if errors.Is(err, errUnknownRequest) {
		return "unknown_request"
	}
	return "request_size"
}

// framedConn bounds one Kafka-protocol client connection. Every request is a
// 4-byte big-endian size and that many bytes; the broker reads the size,
// allocates the body and reads it. Watching those frames here lets a
// connection be held to:
//   - idle: no request starts within it (Kafka's connections.max.idle.ms);
//   - request: a request, once started, is in within it, so a body trickling
//     in byte by byte cannot hold the connection;
//   - size: no request is bigger, checked before the broker allocates it;
//   - kind: its first two bytes, the API key, name a request the protocol
//     has, checked before the broker sees them;
//   - write: each response is written within the request timeout.
//
// The broker reads a connection from one goroutine at a time, so the frame
// state needs no lock.
type framedConn struct {
	net.Conn
	idle, request time.Duration
	maxBytes      uint32
	name          string
	m             *listener.Metrics

	size      [4]byte
	sizeRead  int    // bytes of the size prefix read so far
	remaining uint32 // bytes of the current request's body still to read
	key       [2]byte
	keyRead   int // bytes of the current request's API key read so far
	started   time.Time
}

func (c *framedConn) inRequest() bool { return c.sizeRead > 0 || c.remaining > 0 }

func (c *framedConn) Read(p []byte) (int, error) {
	if c.inRequest() {
		_ = c.Conn.SetReadDeadline(c.started.Add(c.request))
	} else {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	}
	n, err := c.Conn.Read(p)
	if ferr := c.track(p[:n]); ferr != nil {
		c.m.Limited(c.name, limitOf(ferr))
		return 0, ferr
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if c.inRequest() {
			c.m.Limited(c.name, "request_timeout")
		} else {
			c.m.Limited(c.name, "idle_timeout")
		}
	}
	return n, err
}

// track follows the frames through b, the bytes just read.
func (c *framedConn) track(b []byte) error {
	for len(b) > 0 {
		if c.remaining > 0 {
			if c.keyRead < len(c.key) {
				c.keyRead += copy(c.key[c.keyRead:], b[:min(uint32(len(b)), c.remaining)])
				if c.keyRead == len(c.key) {
					if key := int16(binary.BigEndian.Uint16(c.key[:])); kmsg.RequestForKey(key) == nil {
						return fmt.Errorf("%w: %d, from %s", errUnknownRequest, key, c.RemoteAddr())
					}
				}
			}
			k := min(uint32(len(b)), c.remaining)
			c.remaining -= k
			b = b[k:]
			if c.remaining == 0 {
				c.sizeRead = 0
			}
			continue
		}
		if c.sizeRead == 0 {
			c.started = time.Now()
			c.keyRead = 0
		}
		k := copy(c.size[c.sizeRead:], b)
		c.sizeRead += k
		b = b[k:]
		if c.sizeRead < len(c.size) {
			continue
		}
		size := binary.BigEndian.Uint32(c.size[:])
		if size > c.maxBytes {
			return fmt.Errorf("%w: %d bytes announced by %s, at most %d accepted", errRequestTooLarge, size, c.RemoteAddr(), c.maxBytes)
		}
		c.remaining = size
		if size == 0 {
			c.sizeRead = 0
		}
	}
	return nil
}

func (c *framedConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.request))
	n, err := c.Conn.Write(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.m.Limited(c.name, "write_timeout")
	}
	return n, err
}
