// Original file: ../../aurigraph/v1/chain.proto

import type { SourceRange as _aurigraph_v1_SourceRange, SourceRange__Output as _aurigraph_v1_SourceRange__Output } from '../../aurigraph/v1/SourceRange';
import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from '../../aurigraph/v1/Transaction';
import type { Genesis as _aurigraph_v1_Genesis, Genesis__Output as _aurigraph_v1_Genesis__Output } from '../../aurigraph/v1/Genesis';
import type { ValidatorKey as _aurigraph_v1_ValidatorKey, ValidatorKey__Output as _aurigraph_v1_ValidatorKey__Output } from '../../aurigraph/v1/ValidatorKey';
import type { AlertEntry as _aurigraph_v1_AlertEntry, AlertEntry__Output as _aurigraph_v1_AlertEntry__Output } from '../../aurigraph/v1/AlertEntry';
import type { Long } from '@grpc/proto-loader';

/**
 * What the Raft leader proposes: decoded transactions plus the exact log
 * ranges they came from, so the replicated state knows where ingest resumes.
 */
export interface Batch {
  'proposer'?: (number | string | Long);
  'timestamp_ms'?: (number | string | Long);
  'sources'?: (_aurigraph_v1_SourceRange)[];
  'txs'?: (_aurigraph_v1_Transaction)[];
  /**
   * Set by the proposing node to match the applied entry to its waiter.
   */
  'proposal_id'?: (number | string | Long);
  /**
   * The chain's rules. Proposed once, before any transaction; a batch that
   * carries it carries nothing else.
   */
  'genesis'?: (_aurigraph_v1_Genesis | null);
  /**
   * A validator's block-signing key. A batch that carries it carries
   * nothing else.
   */
  'validator_key'?: (_aurigraph_v1_ValidatorKey | null);
  /**
   * The entry format the proposer wrote (consensus.EntryFormat); 0 in
   * entries written before formats were versioned, read as format 1. A
   * validator stops rather than apply an entry of a format newer than it
   * knows, since skipping it would leave its state behind its peers'.
   */
  'format_version'?: (number);
  /**
   * A change to the user-defined alerts. A batch that carries it carries
   * nothing else (but its format version).
   */
  'alert'?: (_aurigraph_v1_AlertEntry | null);
}

/**
 * What the Raft leader proposes: decoded transactions plus the exact log
 * ranges they came from, so the replicated state knows where ingest resumes.
 */
export interface Batch__Output {
  'proposer': (string);
  'timestamp_ms': (string);
  'sources': (_aurigraph_v1_SourceRange__Output)[];
  'txs': (_aurigraph_v1_Transaction__Output)[];
  /**
   * Set by the proposing node to match the applied entry to its waiter.
   */
  'proposal_id': (string);
  /**
   * The chain's rules. Proposed once, before any transaction; a batch that
   * carries it carries nothing else.
   */
  'genesis': (_aurigraph_v1_Genesis__Output | null);
  /**
   * A validator's block-signing key. A batch that carries it carries
   * nothing else.
   */
  'validator_key': (_aurigraph_v1_ValidatorKey__Output | null);
  /**
   * The entry format the proposer wrote (consensus.EntryFormat); 0 in
   * entries written before formats were versioned, read as format 1. A
   * validator stops rather than apply an entry of a format newer than it
   * knows, since skipping it would leave its state behind its peers'.
   */
  'format_version': (number);
  /**
   * A change to the user-defined alerts. A batch that carries it carries
   * nothing else (but its format version).
   */
  'alert': (_aurigraph_v1_AlertEntry__Output | null);
}
