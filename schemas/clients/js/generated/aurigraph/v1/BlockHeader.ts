// Original file: ../../aurigraph/v1/chain.proto

import type { SourceRange as _aurigraph_v1_SourceRange, SourceRange__Output as _aurigraph_v1_SourceRange__Output } from '../../aurigraph/v1/SourceRange';
import type { Long } from '@grpc/proto-loader';

export interface BlockHeader {
  'height'?: (number | string | Long);
  /**
   * sha256 of the deterministic encoding of this header with `hash` unset.
   */
  'hash'?: (Buffer | Uint8Array | string);
  'prev_hash'?: (Buffer | Uint8Array | string);
  /**
   * sha256 Merkle root over the deterministic encodings of the block's TxResults.
   */
  'tx_root'?: (Buffer | Uint8Array | string);
  'timestamp_ms'?: (number | string | Long);
  'proposer'?: (number | string | Long);
  'raft_term'?: (number | string | Long);
  'raft_index'?: (number | string | Long);
  'tx_count'?: (number);
  'failed_count'?: (number);
  'sources'?: (_aurigraph_v1_SourceRange)[];
}

export interface BlockHeader__Output {
  'height': (string);
  /**
   * sha256 of the deterministic encoding of this header with `hash` unset.
   */
  'hash': (Buffer);
  'prev_hash': (Buffer);
  /**
   * sha256 Merkle root over the deterministic encodings of the block's TxResults.
   */
  'tx_root': (Buffer);
  'timestamp_ms': (string);
  'proposer': (string);
  'raft_term': (string);
  'raft_index': (string);
  'tx_count': (number);
  'failed_count': (number);
  'sources': (_aurigraph_v1_SourceRange__Output)[];
}
