package listener

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// InProcess is a listener that only this process can reach: Dial makes a
// connected pair of sockets (socketpair(2), which has no address in any
// namespace) and hands one end to Accept. Servers whose callers must be
// the process itself (the projector's writes into the embedded engine,
// the embedded broker's own administration) serve on one.
type InProcess struct {
	name   string
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

// NewInProcess returns an in-process listener named name (its Addr).
func NewInProcess(name string) *InProcess {
	return &InProcess{name: name, conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept returns the server end of the next Dial.
func (l *InProcess) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; a Dial waiting for Accept fails.
func (l *InProcess) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr names the listener; nothing can dial it from outside.
func (l *InProcess) Addr() net.Addr { return inProcessAddr(l.name) }

// Dial connects to the listener, waiting for the server to accept until
// ctx ends.
func (l *InProcess) Dial(ctx context.Context) (net.Conn, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("in-process connection to %s: %w", l.name, err)
	}
	client, err := fileConn(fds[0], l.name+"-client")
	if err != nil {
		syscall.Close(fds[1])
		return nil, err
	}
	server, err := fileConn(fds[1], l.name)
	if err != nil {
		client.Close()
		return nil, err
	}
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		err = fmt.Errorf("in-process connection to %s: %w", l.name, net.ErrClosed)
	case <-ctx.Done():
		err = ctx.Err()
	}
	client.Close()
	server.Close()
	return nil, err
}

func fileConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("in-process connection %s: %w", name, err)
	}
	return c, nil
}

type inProcessAddr string

func (a inProcessAddr) Network() string { return "in-process" }
func (a inProcessAddr) String() string  { return string(a) }
