// Original file: ../../aurigraph/v1/validator.proto

import type { Long } from '@grpc/proto-loader';

export interface RemoveMemberRequest {
  'id'?: (number | string | Long);
}

export interface RemoveMemberRequest__Output {
  'id': (string);
}
