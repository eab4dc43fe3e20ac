// Original file: ../../aurigraph/v1/performance.proto

import type { SeriesPoint as _aurigraph_v1_SeriesPoint, SeriesPoint__Output as _aurigraph_v1_SeriesPoint__Output } from '../../aurigraph/v1/SeriesPoint';

export interface GetSeriesResponse {
  'metric'?: (string);
  'step_seconds'?: (number);
  /**
   * Every bucket of the range, empty ones included.
   */
  'points'?: (_aurigraph_v1_SeriesPoint)[];
}

export interface GetSeriesResponse__Output {
  'metric': (string);
  'step_seconds': (number);
  /**
   * Every bucket of the range, empty ones included.
   */
  'points': (_aurigraph_v1_SeriesPoint__Output)[];
}
