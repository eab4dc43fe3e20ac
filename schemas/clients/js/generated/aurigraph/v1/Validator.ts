// Original file: ../../aurigraph/v1/validator.proto

import type { ValidatorRole as _aurigraph_v1_ValidatorRole, ValidatorRole__Output as _aurigraph_v1_ValidatorRole__Output } from '../../aurigraph/v1/ValidatorRole';
import type { Long } from '@grpc/proto-loader';

export interface Validator {
  'id'?: (number | string | Long);
  'raft_address'?: (string);
  'voter'?: (boolean);
  'role'?: (_aurigraph_v1_ValidatorRole);
  /**
   * Raft state of a validator in this process: leader, follower,
   * candidate, pre-candidate; empty for one elsewhere.
   */
  'state'?: (string);
  /**
   * Highest log index applied, for a validator in this process.
   */
  'applied'?: (number | string | Long);
  /**
   * Highest log index known replicated on it, when the answering
   * validator leads.
   */
  'match'?: (number | string | Long);
  /**
   * probe, replicate or snapshot, when the answering validator leads.
   */
  'replication'?: (string);
  /**
   * Heard from within the last election timeout, when the answering
   * validator leads.
   */
  'active'?: (boolean);
}

export interface Validator__Output {
  'id': (string);
  'raft_address': (string);
  'voter': (boolean);
  'role': (_aurigraph_v1_ValidatorRole__Output);
  /**
   * Raft state of a validator in this process: leader, follower,
   * candidate, pre-candidate; empty for one elsewhere.
   */
  'state': (string);
  /**
   * Highest log index applied, for a validator in this process.
   */
  'applied': (string);
  /**
   * Highest log index known replicated on it, when the answering
   * validator leads.
   */
  'match': (string);
  /**
   * probe, replicate or snapshot, when the answering validator leads.
   */
  'replication': (string);
  /**
   * Heard from within the last election timeout, when the answering
   * validator leads.
   */
  'active': (boolean);
}
