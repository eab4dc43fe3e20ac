// Original file: ../../aurigraph/v1/validator.proto

import type { Validator as _aurigraph_v1_Validator, Validator__Output as _aurigraph_v1_Validator__Output } from '../../aurigraph/v1/Validator';

export interface RemoveMemberResponse {
  'validators'?: (_aurigraph_v1_Validator)[];
}

export interface RemoveMemberResponse__Output {
  'validators': (_aurigraph_v1_Validator__Output)[];
}
