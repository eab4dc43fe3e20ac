// Original file: ../../aurigraph/v1/performance.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface GetForecastRequest {
  'metric'?: (string);
  /**
   * The history the model is fitted to ends at to (unset: now) and spans
   * history_seconds (0: 48 hours), in buckets of step_seconds (0: 60).
   */
  'to'?: (_google_protobuf_Timestamp | null);
  'history_seconds'?: (number);
  'step_seconds'?: (number);
  /**
   * Buckets per season; 0 picks from the step: 60 below a minute, an hour
   * of buckets below an hour, a day of them below a day, else 7.
   */
  'season'?: (number);
  /**
   * Buckets to predict; 0 means one season.
   */
  'horizon'?: (number);
  /**
   * Prediction-interval coverage, 0 < coverage < 1; 0 means 0.8.
   */
  'coverage'?: (number | string);
}

export interface GetForecastRequest__Output {
  'metric': (string);
  /**
   * The history the model is fitted to ends at to (unset: now) and spans
   * history_seconds (0: 48 hours), in buckets of step_seconds (0: 60).
   */
  'to': (_google_protobuf_Timestamp__Output | null);
  'history_seconds': (number);
  'step_seconds': (number);
  /**
   * Buckets per season; 0 picks from the step: 60 below a minute, an hour
   * of buckets below an hour, a day of them below a day, else 7.
   */
  'season': (number);
  /**
   * Buckets to predict; 0 means one season.
   */
  'horizon': (number);
  /**
   * Prediction-interval coverage, 0 < coverage < 1; 0 means 0.8.
   */
  'coverage': (number);
}
