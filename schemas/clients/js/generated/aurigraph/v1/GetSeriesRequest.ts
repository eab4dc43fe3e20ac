// Original file: ../../aurigraph/v1/performance.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface GetSeriesRequest {
  /**
   * tps, volume, failed, blocks, block_time_ms, latency_p50, latency_p90
   * or latency_p99.
   */
  'metric'?: (string);
  /**
   * Unset from means an hour before to; unset to means now.
   */
  'from'?: (_google_protobuf_Timestamp | null);
  'to'?: (_google_protobuf_Timestamp | null);
  /**
   * Bucket width in whole seconds; 0 picks one giving about 300 buckets.
   */
  'step_seconds'?: (number);
}

export interface GetSeriesRequest__Output {
  /**
   * tps, volume, failed, blocks, block_time_ms, latency_p50, latency_p90
   * or latency_p99.
   */
  'metric': (string);
  /**
   * Unset from means an hour before to; unset to means now.
   */
  'from': (_google_protobuf_Timestamp__Output | null);
  'to': (_google_protobuf_Timestamp__Output | null);
  /**
   * Bucket width in whole seconds; 0 picks one giving about 300 buckets.
   */
  'step_seconds': (number);
}
