// Original file: ../../aurigraph/v1/chain.proto

import type { Issuer as _aurigraph_v1_Issuer, Issuer__Output as _aurigraph_v1_Issuer__Output } from '../../aurigraph/v1/Issuer';
import type { Long } from '@grpc/proto-loader';

/**
 * The rules a chain is created with. Every validator applies the same
 * genesis (it is the first entry of the replicated log), and block 1's
 * prev_hash is its hash, so a chain names the rules it runs under.
 */
export interface Genesis {
  /**
   * A name for humans and tools; not interpreted.
   */
  'chain_id'?: (string);
  /**
   * When set, every transaction must carry a valid signature by the key
   * that controls its sender. When unset, the transaction topic is trusted:
   * unsigned transactions are believed, except from accounts that have a key.
   */
  'require_signatures'?: (boolean);
  /**
   * The accounts that may mint the native asset. Empty: nobody may, unless
   * require_signatures is unset, in which case anyone the topic trusts may.
   */
  'issuers'?: (_aurigraph_v1_Issuer)[];
  /**
   * The largest encoded block the chain accepts; a batch that would build a
   * larger block is rejected whole.
   */
  'max_block_bytes'?: (number | string | Long);
  /**
   * How far a transaction's timestamp may be ahead of its block's time.
   */
  'max_timestamp_skew_ms'?: (number | string | Long);
}

/**
 * The rules a chain is created with. Every validator applies the same
 * genesis (it is the first entry of the replicated log), and block 1's
 * prev_hash is its hash, so a chain names the rules it runs under.
 */
export interface Genesis__Output {
  /**
   * A name for humans and tools; not interpreted.
   */
  'chain_id': (string);
  /**
   * When set, every transaction must carry a valid signature by the key
   * that controls its sender. When unset, the transaction topic is trusted:
   * unsigned transactions are believed, except from accounts that have a key.
   */
  'require_signatures': (boolean);
  /**
   * The accounts that may mint the native asset. Empty: nobody may, unless
   * require_signatures is unset, in which case anyone the topic trusts may.
   */
  'issuers': (_aurigraph_v1_Issuer__Output)[];
  /**
   * The largest encoded block the chain accepts; a batch that would build a
   * larger block is rejected whole.
   */
  'max_block_bytes': (string);
  /**
   * How far a transaction's timestamp may be ahead of its block's time.
   */
  'max_timestamp_skew_ms': (string);
}
