// Original file: ../../aurigraph/v1/auth.proto

import type { ApiKey as _aurigraph_v1_ApiKey, ApiKey__Output as _aurigraph_v1_ApiKey__Output } from '../../aurigraph/v1/ApiKey';

export interface CreateKeyResponse {
  'key'?: (_aurigraph_v1_ApiKey | null);
  /**
   * secret is the key to present as "authorization: Bearer <secret>". It is
   * not stored and cannot be shown again.
   */
  'secret'?: (string);
}

export interface CreateKeyResponse__Output {
  'key': (_aurigraph_v1_ApiKey__Output | null);
  /**
   * secret is the key to present as "authorization: Bearer <secret>". It is
   * not stored and cannot be shown again.
   */
  'secret': (string);
}
