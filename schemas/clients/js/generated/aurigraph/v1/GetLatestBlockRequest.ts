// Original file: ../../aurigraph/v1/block.proto


export interface GetLatestBlockRequest {
  'stale'?: (boolean);
}

export interface GetLatestBlockRequest__Output {
  'stale': (boolean);
}
