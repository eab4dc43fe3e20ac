// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

export interface PartitionOffset {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * Next offset ingest must read.
   */
  'next_offset'?: (number | string | Long);
}

export interface PartitionOffset__Output {
  'topic': (string);
  'partition': (number);
  /**
   * Next offset ingest must read.
   */
  'next_offset': (string);
}
