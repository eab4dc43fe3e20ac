// Original file: ../../aurigraph/v1/validator.proto

import type { Long } from '@grpc/proto-loader';

export interface GetValidatorStatusRequest {
  'id'?: (number | string | Long);
}

export interface GetValidatorStatusRequest__Output {
  'id': (string);
}
