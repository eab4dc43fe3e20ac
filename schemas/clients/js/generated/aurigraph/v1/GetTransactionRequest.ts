// Original file: ../../aurigraph/v1/transaction.proto


export interface GetTransactionRequest {
  'id'?: (string);
  /**
   * Read this validator's local state instead of making sure it has every
   * block committed before the request (one round trip to the leader saved).
   */
  'stale'?: (boolean);
}

export interface GetTransactionRequest__Output {
  'id': (string);
  /**
   * Read this validator's local state instead of making sure it has every
   * block committed before the request (one round trip to the leader saved).
   */
  'stale': (boolean);
}
