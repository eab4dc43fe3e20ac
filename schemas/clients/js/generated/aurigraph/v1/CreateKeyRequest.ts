// Original file: ../../aurigraph/v1/auth.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateKeyRequest {
  'name'?: (string);
  /**
   * role is viewer, submitter, operator or admin.
   */
  'role'?: (string);
  'organisation'?: (string);
  /**
   * lifetime_seconds is how long the key lives; 0 means 90 days.
   */
  'lifetime_seconds'?: (number | string | Long);
}

export interface CreateKeyRequest__Output {
  'name': (string);
  /**
   * role is viewer, submitter, operator or admin.
   */
  'role': (string);
  'organisation': (string);
  /**
   * lifetime_seconds is how long the key lives; 0 means 90 days.
   */
  'lifetime_seconds': (string);
}
