// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

export interface PartitionOffset {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * Next offset ingest must read.
   */
  'next_offset'?: (number | string | Long);
  /**
   * The broker's id of the topic the offset belongs to; empty when not known.
   */
  'topic_id'?: (Buffer | Uint8Array | string);
}

export interface PartitionOffset__Output {
  'topic': (string);
  'partition': (number);
  /**
   * Next offset ingest must read.
   */
  'next_offset': (string);
  /**
   * The broker's id of the topic the offset belongs to; empty when not known.
   */
  'topic_id': (Buffer);
}
