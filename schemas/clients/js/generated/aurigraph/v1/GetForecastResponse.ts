// Original file: ../../aurigraph/v1/performance.proto

import type { ForecastPoint as _aurigraph_v1_ForecastPoint, ForecastPoint__Output as _aurigraph_v1_ForecastPoint__Output } from '../../aurigraph/v1/ForecastPoint';

export interface GetForecastResponse {
  'metric'?: (string);
  'season'?: (number);
  'coverage'?: (number | string);
  'points'?: (_aurigraph_v1_ForecastPoint)[];
}

export interface GetForecastResponse__Output {
  'metric': (string);
  'season': (number);
  'coverage': (number);
  'points': (_aurigraph_v1_ForecastPoint__Output)[];
}
