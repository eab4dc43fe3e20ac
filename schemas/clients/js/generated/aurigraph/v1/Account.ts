// Original file: ../../aurigraph/v1/chain.proto

import type { Balance as _aurigraph_v1_Balance, Balance__Output as _aurigraph_v1_Balance__Output } from '../../aurigraph/v1/Balance';
import type { Long } from '@grpc/proto-loader';

export interface Account {
  'address'?: (string);
  'nonce'?: (number | string | Long);
  'balances'?: (_aurigraph_v1_Balance)[];
}

export interface Account__Output {
  'address': (string);
  'nonce': (string);
  'balances': (_aurigraph_v1_Balance__Output)[];
}
