// Original file: ../../aurigraph/v1/auth.proto


export interface RevokeKeyRequest {
  'id'?: (string);
}

export interface RevokeKeyRequest__Output {
  'id': (string);
}
