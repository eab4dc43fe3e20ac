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
  /**
   * The broker's id of the topic (16 bytes): a topic deleted and created
   * again under the same name gets a new id and starts again at offset 0.
   * The replicated state records the id it consumed from and refuses ranges
   * of another topic. Empty from brokers without topic ids.
   */
  'topic_id'?: (Buffer | Uint8Array | string);
  /**
   * Set when an operator accepted a recreated topic: the id of the topic the
   * replicated offsets were recorded against (16 zero bytes when none was
   * recorded). The range then starts at offset 0 of topic_id, and every
   * partition of the topic starts again at 0.
   */
  'replaces_topic_id'?: (Buffer | Uint8Array | string);
}

/**
 * A half-open range [start_offset, end_offset) of one topic partition.
 */
export interface SourceRange__Output {
  'topic': (string);
  'partition': (number);
  'start_offset': (string);
  'end_offset': (string);
  /**
   * The broker's id of the topic (16 bytes): a topic deleted and created
   * again under the same name gets a new id and starts again at offset 0.
   * The replicated state records the id it consumed from and refuses ranges
   * of another topic. Empty from brokers without topic ids.
   */
  'topic_id': (Buffer);
  /**
   * Set when an operator accepted a recreated topic: the id of the topic the
   * replicated offsets were recorded against (16 zero bytes when none was
   * recorded). The range then starts at offset 0 of topic_id, and every
   * partition of the topic starts again at 0.
   */
  'replaces_topic_id': (Buffer);
}
