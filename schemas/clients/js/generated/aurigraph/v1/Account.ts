// Original file: ../../aurigraph/v1/chain.proto

import type { Balance as _aurigraph_v1_Balance, Balance__Output as _aurigraph_v1_Balance__Output } from '../../aurigraph/v1/Balance';
import type { Long } from '@grpc/proto-loader';

export interface Account {
  'address'?: (string);
  'nonce'?: (number | string | Long);
  'balances'?: (_aurigraph_v1_Balance)[];
  /**
   * The key registered to control a named account (TX_TYPE_SET_KEY); empty
   * for keyless accounts and for addresses derived from a key.
   */
  'key'?: (Buffer | Uint8Array | string);
}

export interface Account__Output {
  'address': (string);
  'nonce': (string);
  'balances': (_aurigraph_v1_Balance__Output)[];
  /**
   * The key registered to control a named account (TX_TYPE_SET_KEY); empty
   * for keyless accounts and for addresses derived from a key.
   */
  'key': (Buffer);
}
