// Original file: ../../aurigraph/v1/performance.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface SeriesPoint {
  'time'?: (_google_protobuf_Timestamp | null);
  'value'?: (number | string);
  /**
   * False for a quantile over an empty bucket, where value means nothing.
   */
  'present'?: (boolean);
}

export interface SeriesPoint__Output {
  'time': (_google_protobuf_Timestamp__Output | null);
  'value': (number);
  /**
   * False for a quantile over an empty bucket, where value means nothing.
   */
  'present': (boolean);
}
