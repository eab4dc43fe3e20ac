// Package rpc is the server-side plumbing shared by every service on the
// public gRPC port: one interceptor chain that gives each call a request id,
// keeps a panicking handler from taking the process down, logs and counts
// the call and bounds how long it may run; constructors for the status
// errors clients are expected to act on (bad input, wrong node, retry
// later) with machine-readable google.rpc details; and TLS credentials for
// servers and clients.
//
// Services build their server with
//
//	opts, err := rpc.ServerOptions(rpc.Config{Logger: log, Registerer: reg, TLS: creds})
//	srv := grpc.NewServer(opts...)
//
// and register their implementations on srv as usual.
package rpc
