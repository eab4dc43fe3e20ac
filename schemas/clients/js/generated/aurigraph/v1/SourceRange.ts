// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A half-open range [start_offset, end_offset) of one topic partition.
 */
export interface SourceRange {
  'topic'?: (string);
  'partition'?: (number);
  'start_offset'?: (number | string | Long);
  'end_offset'?: (number | string | Long);
}

/**
 * A half-open range [start_offset, end_offset) of one topic partition.
 */
export interface SourceRange__Output {
  'topic': (string);
  'partition': (number);
  'start_offset': (string);
  'end_offset': (string);
}
