// Original file: ../../aurigraph/v1/validator.proto

import type { Validator as _aurigraph_v1_Validator, Validator__Output as _aurigraph_v1_Validator__Output } from '../../aurigraph/v1/Validator';
import type { Long } from '@grpc/proto-loader';

export interface ListValidatorsResponse {
  'leader'?: (number | string | Long);
  'term'?: (number | string | Long);
  'validators'?: (_aurigraph_v1_Validator)[];
  /**
   * The validator that answered.
   */
  'answered_by'?: (number | string | Long);
}

export interface ListValidatorsResponse__Output {
  'leader': (string);
  'term': (string);
  'validators': (_aurigraph_v1_Validator__Output)[];
  /**
   * The validator that answered.
   */
  'answered_by': (string);
}
