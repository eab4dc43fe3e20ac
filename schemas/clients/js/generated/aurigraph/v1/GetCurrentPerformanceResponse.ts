// Original file: ../../aurigraph/v1/performance.proto

import type { SecondStats as _aurigraph_v1_SecondStats, SecondStats__Output as _aurigraph_v1_SecondStats__Output } from '../../aurigraph/v1/SecondStats';
import type { Long } from '@grpc/proto-loader';

export interface GetCurrentPerformanceResponse {
  /**
   * Transactions and blocks committed in the last completed second.
   */
  'current_tps'?: (number | string | Long);
  'current_bps'?: (number | string | Long);
  /**
   * The busiest completed second since the server started.
   */
  'peak_tps'?: (number | string | Long);
  /**
   * Mean of the completed seconds of the last minute.
   */
  'avg_tps_60s'?: (number | string);
  /**
   * Commit latency over the last minute, milliseconds.
   */
  'latency_p50_ms'?: (number | string);
  'latency_p99_ms'?: (number | string);
  'height'?: (number | string | Long);
  /**
   * One per completed second of the last minute, oldest first.
   */
  'recent'?: (_aurigraph_v1_SecondStats)[];
}

export interface GetCurrentPerformanceResponse__Output {
  /**
   * Transactions and blocks committed in the last completed second.
   */
  'current_tps': (string);
  'current_bps': (string);
  /**
   * The busiest completed second since the server started.
   */
  'peak_tps': (string);
  /**
   * Mean of the completed seconds of the last minute.
   */
  'avg_tps_60s': (number);
  /**
   * Commit latency over the last minute, milliseconds.
   */
  'latency_p50_ms': (number);
  'latency_p99_ms': (number);
  'height': (string);
  /**
   * One per completed second of the last minute, oldest first.
   */
  'recent': (_aurigraph_v1_SecondStats__Output)[];
}
