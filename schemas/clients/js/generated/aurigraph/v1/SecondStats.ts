// Original file: ../../aurigraph/v1/performance.proto

import type { Long } from '@grpc/proto-loader';

export interface SecondStats {
  /**
   * Unix seconds.
   */
  'second'?: (number | string | Long);
  'tps'?: (number | string | Long);
  'bps'?: (number | string | Long);
}

export interface SecondStats__Output {
  /**
   * Unix seconds.
   */
  'second': (string);
  'tps': (string);
  'bps': (string);
}
