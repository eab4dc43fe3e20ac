// Original file: ../../aurigraph/v1/transaction.proto


export interface SubmitStreamResponse {
  /**
   * Ids of every transaction written, in the order they were sent.
   */
  'ids'?: (string)[];
}

export interface SubmitStreamResponse__Output {
  /**
   * Ids of every transaction written, in the order they were sent.
   */
  'ids': (string)[];
}
