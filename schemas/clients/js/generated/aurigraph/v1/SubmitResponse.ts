// Original file: ../../aurigraph/v1/transaction.proto


export interface SubmitResponse {
  /**
   * The transaction's id, derived from its content when it had none.
   */
  'id'?: (string);
}

export interface SubmitResponse__Output {
  /**
   * The transaction's id, derived from its content when it had none.
   */
  'id': (string);
}
