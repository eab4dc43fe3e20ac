// Original file: ../../aurigraph/v1/transaction.proto


export interface GetTransactionStatusRequest {
  'id'?: (string);
  'stale'?: (boolean);
}

export interface GetTransactionStatusRequest__Output {
  'id': (string);
  'stale': (boolean);
}
