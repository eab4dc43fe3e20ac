// Original file: ../../aurigraph/v1/chain.proto

import type { Account as _aurigraph_v1_Account, Account__Output as _aurigraph_v1_Account__Output } from '../../aurigraph/v1/Account';
import type { AssetInfo as _aurigraph_v1_AssetInfo, AssetInfo__Output as _aurigraph_v1_AssetInfo__Output } from '../../aurigraph/v1/AssetInfo';
import type { PartitionOffset as _aurigraph_v1_PartitionOffset, PartitionOffset__Output as _aurigraph_v1_PartitionOffset__Output } from '../../aurigraph/v1/PartitionOffset';
import type { MemberContext as _aurigraph_v1_MemberContext, MemberContext__Output as _aurigraph_v1_MemberContext__Output } from '../../aurigraph/v1/MemberContext';
import type { Genesis as _aurigraph_v1_Genesis, Genesis__Output as _aurigraph_v1_Genesis__Output } from '../../aurigraph/v1/Genesis';
import type { ValidatorKeyRecord as _aurigraph_v1_ValidatorKeyRecord, ValidatorKeyRecord__Output as _aurigraph_v1_ValidatorKeyRecord__Output } from '../../aurigraph/v1/ValidatorKeyRecord';
import type { AlertState as _aurigraph_v1_AlertState, AlertState__Output as _aurigraph_v1_AlertState__Output } from '../../aurigraph/v1/AlertState';
import type { Long } from '@grpc/proto-loader';

/**
 * Replicated state of the FSM as written into a Raft snapshot.
 */
export interface StateSnapshot {
  'height'?: (number | string | Long);
  'last_hash'?: (Buffer | Uint8Array | string);
  'tx_count'?: (number | string | Long);
  'accounts'?: (_aurigraph_v1_Account)[];
  'assets'?: (_aurigraph_v1_AssetInfo)[];
  'offsets'?: (_aurigraph_v1_PartitionOffset)[];
  /**
   * Most recent transaction ids, oldest first: the dedup window as written
   * by earlier versions. Read when restoring such a snapshot; new snapshots
   * carry recent_tx_digests instead.
   */
  'recent_tx_ids'?: (string)[];
  'applied_index'?: (number | string | Long);
  'applied_term'?: (number | string | Long);
  /**
   * Raft addresses of the members, so a validator restoring the snapshot
   * can dial peers it never saw join.
   */
  'members'?: (_aurigraph_v1_MemberContext)[];
  /**
   * The dedup window, oldest first: for each transaction id the first 16
   * bytes of sha256(id), concatenated.
   */
  'recent_tx_digests'?: (Buffer | Uint8Array | string);
  /**
   * The chain's rules; absent for chains begun before genesis entries.
   */
  'genesis'?: (_aurigraph_v1_Genesis | null);
  /**
   * Every validator's block-signing keys, including retired ones, in
   * registration order.
   */
  'validator_keys'?: (_aurigraph_v1_ValidatorKeyRecord)[];
  /**
   * The snapshot format this was written in (consensus.SnapshotFormat); 0
   * in snapshots written before formats were versioned, read as format 1.
   * A validator refuses a snapshot of a format newer than it knows.
   */
  'format_version'?: (number);
  /**
   * The user-defined alerts: rules, their state and recent transitions.
   */
  'alerts'?: (_aurigraph_v1_AlertState | null);
}

/**
 * Replicated state of the FSM as written into a Raft snapshot.
 */
export interface StateSnapshot__Output {
  'height': (string);
  'last_hash': (Buffer);
  'tx_count': (string);
  'accounts': (_aurigraph_v1_Account__Output)[];
  'assets': (_aurigraph_v1_AssetInfo__Output)[];
  'offsets': (_aurigraph_v1_PartitionOffset__Output)[];
  /**
   * Most recent transaction ids, oldest first: the dedup window as written
   * by earlier versions. Read when restoring such a snapshot; new snapshots
   * carry recent_tx_digests instead.
   */
  'recent_tx_ids': (string)[];
  'applied_index': (string);
  'applied_term': (string);
  /**
   * Raft addresses of the members, so a validator restoring the snapshot
   * can dial peers it never saw join.
   */
  'members': (_aurigraph_v1_MemberContext__Output)[];
  /**
   * The dedup window, oldest first: for each transaction id the first 16
   * bytes of sha256(id), concatenated.
   */
  'recent_tx_digests': (Buffer);
  /**
   * The chain's rules; absent for chains begun before genesis entries.
   */
  'genesis': (_aurigraph_v1_Genesis__Output | null);
  /**
   * Every validator's block-signing keys, including retired ones, in
   * registration order.
   */
  'validator_keys': (_aurigraph_v1_ValidatorKeyRecord__Output)[];
  /**
   * The snapshot format this was written in (consensus.SnapshotFormat); 0
   * in snapshots written before formats were versioned, read as format 1.
   * A validator refuses a snapshot of a format newer than it knows.
   */
  'format_version': (number);
  /**
   * The user-defined alerts: rules, their state and recent transitions.
   */
  'alerts': (_aurigraph_v1_AlertState__Output | null);
}
