// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

export interface AssetInfo {
  'name'?: (string);
  'owner'?: (string);
  'supply'?: (number | string | Long);
}

export interface AssetInfo__Output {
  'name': (string);
  'owner': (string);
  'supply': (string);
}
