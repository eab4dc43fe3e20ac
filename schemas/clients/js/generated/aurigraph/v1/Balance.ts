// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

export interface Balance {
  'asset'?: (string);
  'amount'?: (number | string | Long);
}

export interface Balance__Output {
  'asset': (string);
  'amount': (string);
}
