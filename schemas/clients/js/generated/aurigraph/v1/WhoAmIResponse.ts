// Original file: ../../aurigraph/v1/auth.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface WhoAmIResponse {
  'subject'?: (string);
  'name'?: (string);
  /**
   * method is how the caller authenticated: anonymous, oidc, api_key,
   * certificate or ticket.
   */
  'method'?: (string);
  /**
   * role is none, viewer, submitter, operator or admin.
   */
  'role'?: (string);
  'organisation'?: (string);
  /**
   * actions are what the policy table lets the caller do.
   */
  'actions'?: (string)[];
  'expires'?: (_google_protobuf_Timestamp | null);
}

export interface WhoAmIResponse__Output {
  'subject': (string);
  'name': (string);
  /**
   * method is how the caller authenticated: anonymous, oidc, api_key,
   * certificate or ticket.
   */
  'method': (string);
  /**
   * role is none, viewer, submitter, operator or admin.
   */
  'role': (string);
  'organisation': (string);
  /**
   * actions are what the policy table lets the caller do.
   */
  'actions': (string)[];
  'expires': (_google_protobuf_Timestamp__Output | null);
}
