// Original file: ../../aurigraph/v1/chain.proto

import type { TxType as _aurigraph_v1_TxType, TxType__Output as _aurigraph_v1_TxType__Output } from '../../aurigraph/v1/TxType';
import type { Long } from '@grpc/proto-loader';

export interface Transaction {
  /**
   * Hex sha256 of the canonical encoding (see schemas.TxID) when the producer sets none.
   */
  'id'?: (string);
  'type'?: (_aurigraph_v1_TxType);
  'from'?: (string);
  'to'?: (string);
  'amount'?: (number | string | Long);
  'asset'?: (string);
  /**
   * Per-sender sequence number; must grow strictly for each sender.
   */
  'nonce'?: (number | string | Long);
  'payload'?: (Buffer | Uint8Array | string);
  /**
   * Producer's timestamp, Unix milliseconds.
   */
  'timestamp_ms'?: (number | string | Long);
  'pubkey'?: (Buffer | Uint8Array | string);
  'sig'?: (Buffer | Uint8Array | string);
  /**
   * When the record reached the log (Kafka record timestamp), Unix milliseconds.
   * Set by ingest; not part of the transaction id.
   */
  'submitted_ms'?: (number | string | Long);
  /**
   * TX_TYPE_SET_KEY only: the Ed25519 public key that will control `from`.
   */
  'new_key'?: (Buffer | Uint8Array | string);
}

export interface Transaction__Output {
  /**
   * Hex sha256 of the canonical encoding (see schemas.TxID) when the producer sets none.
   */
  'id': (string);
  'type': (_aurigraph_v1_TxType__Output);
  'from': (string);
  'to': (string);
  'amount': (string);
  'asset': (string);
  /**
   * Per-sender sequence number; must grow strictly for each sender.
   */
  'nonce': (string);
  'payload': (Buffer);
  /**
   * Producer's timestamp, Unix milliseconds.
   */
  'timestamp_ms': (string);
  'pubkey': (Buffer);
  'sig': (Buffer);
  /**
   * When the record reached the log (Kafka record timestamp), Unix milliseconds.
   * Set by ingest; not part of the transaction id.
   */
  'submitted_ms': (string);
  /**
   * TX_TYPE_SET_KEY only: the Ed25519 public key that will control `from`.
   */
  'new_key': (Buffer);
}
