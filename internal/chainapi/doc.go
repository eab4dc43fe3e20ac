// Package chainapi is the chain's read and administration API over the
// validators of one process: blocks, transactions, chain statistics and
// verification, the genesis and the validators' keys, the validator set,
// and membership and leadership changes. One Service answers them all; its
// REST face (NewHTTPHandler, RegisterHTTP) and its gRPC faces
// (BlockService, ValidatorService, TransactionReads) are thin adapters over
// it, so the two cannot drift, and StatusError is REST's error mapping's
// twin for gRPC.
//
// Reads go to the local leader when one of the process's validators leads,
// else to the first, and are linearizable: each first passes the
// validator's raft read barrier, so it sees every block committed before
// the request; a stale read skips that round trip. Submitting transactions
// is ingest's (ingest.SubmitHandler); a transaction's status is read here.
package chainapi
