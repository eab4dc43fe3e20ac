// Original file: ../../aurigraph/v1/auth.proto

import type { ApiKey as _aurigraph_v1_ApiKey, ApiKey__Output as _aurigraph_v1_ApiKey__Output } from '../../aurigraph/v1/ApiKey';

export interface RevokeKeyResponse {
  'key'?: (_aurigraph_v1_ApiKey | null);
}

export interface RevokeKeyResponse__Output {
  'key': (_aurigraph_v1_ApiKey__Output | null);
}
