// Original file: ../../aurigraph/v1/validator.proto

import type { Validator as _aurigraph_v1_Validator, Validator__Output as _aurigraph_v1_Validator__Output } from '../../aurigraph/v1/Validator';
import type { Long } from '@grpc/proto-loader';

export interface GetValidatorStatusResponse {
  'validator'?: (_aurigraph_v1_Validator | null);
  'leader'?: (number | string | Long);
  'term'?: (number | string | Long);
}

export interface GetValidatorStatusResponse__Output {
  'validator': (_aurigraph_v1_Validator__Output | null);
  'leader': (string);
  'term': (string);
}
