// Original file: ../../aurigraph/v1/transaction.proto


export interface SubmitBatchResponse {
  /**
   * Ids in the order of the request's transactions.
   */
  'ids'?: (string)[];
}

export interface SubmitBatchResponse__Output {
  /**
   * Ids in the order of the request's transactions.
   */
  'ids': (string)[];
}
