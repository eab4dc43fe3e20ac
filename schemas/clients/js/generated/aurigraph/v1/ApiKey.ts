// Original file: ../../aurigraph/v1/auth.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * ApiKey is a stored key, without its secret.
 */
export interface ApiKey {
  'id'?: (string);
  'name'?: (string);
  'role'?: (string);
  'organisation'?: (string);
  'created'?: (_google_protobuf_Timestamp | null);
  'expires'?: (_google_protobuf_Timestamp | null);
  'created_by'?: (string);
}

/**
 * ApiKey is a stored key, without its secret.
 */
export interface ApiKey__Output {
  'id': (string);
  'name': (string);
  'role': (string);
  'organisation': (string);
  'created': (_google_protobuf_Timestamp__Output | null);
  'expires': (_google_protobuf_Timestamp__Output | null);
  'created_by': (string);
}
