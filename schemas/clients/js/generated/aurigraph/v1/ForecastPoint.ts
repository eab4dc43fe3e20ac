// Original file: ../../aurigraph/v1/performance.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ForecastPoint {
  'time'?: (_google_protobuf_Timestamp | null);
  'mean'?: (number | string);
  'lo'?: (number | string);
  'hi'?: (number | string);
}

export interface ForecastPoint__Output {
  'time': (_google_protobuf_Timestamp__Output | null);
  'mean': (number);
  'lo': (number);
  'hi': (number);
}
