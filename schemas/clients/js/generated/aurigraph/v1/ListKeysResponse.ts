// Original file: ../../aurigraph/v1/auth.proto

import type { ApiKey as _aurigraph_v1_ApiKey, ApiKey__Output as _aurigraph_v1_ApiKey__Output } from '../../aurigraph/v1/ApiKey';

export interface ListKeysResponse {
  'keys'?: (_aurigraph_v1_ApiKey)[];
}

export interface ListKeysResponse__Output {
  'keys': (_aurigraph_v1_ApiKey__Output)[];
}
