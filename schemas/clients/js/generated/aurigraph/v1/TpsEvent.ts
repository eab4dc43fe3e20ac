// Original file: ../../aurigraph/v1/stream.proto

import type { Long } from '@grpc/proto-loader';

export interface TpsEvent {
  /**
   * The second, Unix seconds.
   */
  't'?: (number | string | Long);
  'tps'?: (number | string | Long);
  'blocks'?: (number | string | Long);
}

export interface TpsEvent__Output {
  /**
   * The second, Unix seconds.
   */
  't': (string);
  'tps': (string);
  'blocks': (string);
}
