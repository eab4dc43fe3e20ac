// Original file: ../../aurigraph/v1/stream.proto

import type { Long } from '@grpc/proto-loader';

export interface BlockSummary {
  'hash'?: (Buffer | Uint8Array | string);
  'prev_hash'?: (Buffer | Uint8Array | string);
  'timestamp_ms'?: (number | string | Long);
  'proposer'?: (number | string | Long);
  'raft_term'?: (number | string | Long);
  'tx_count'?: (number);
  'failed_count'?: (number);
}

export interface BlockSummary__Output {
  'hash': (Buffer);
  'prev_hash': (Buffer);
  'timestamp_ms': (string);
  'proposer': (string);
  'raft_term': (string);
  'tx_count': (number);
  'failed_count': (number);
}
