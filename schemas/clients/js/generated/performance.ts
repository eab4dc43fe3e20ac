import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ForecastPoint as _aurigraph_v1_ForecastPoint, ForecastPoint__Output as _aurigraph_v1_ForecastPoint__Output } from './aurigraph/v1/ForecastPoint';
import type { GetCurrentPerformanceRequest as _aurigraph_v1_GetCurrentPerformanceRequest, GetCurrentPerformanceRequest__Output as _aurigraph_v1_GetCurrentPerformanceRequest__Output } from './aurigraph/v1/GetCurrentPerformanceRequest';
import type { GetCurrentPerformanceResponse as _aurigraph_v1_GetCurrentPerformanceResponse, GetCurrentPerformanceResponse__Output as _aurigraph_v1_GetCurrentPerformanceResponse__Output } from './aurigraph/v1/GetCurrentPerformanceResponse';
import type { GetForecastRequest as _aurigraph_v1_GetForecastRequest, GetForecastRequest__Output as _aurigraph_v1_GetForecastRequest__Output } from './aurigraph/v1/GetForecastRequest';
import type { GetForecastResponse as _aurigraph_v1_GetForecastResponse, GetForecastResponse__Output as _aurigraph_v1_GetForecastResponse__Output } from './aurigraph/v1/GetForecastResponse';
import type { GetSeriesRequest as _aurigraph_v1_GetSeriesRequest, GetSeriesRequest__Output as _aurigraph_v1_GetSeriesRequest__Output } from './aurigraph/v1/GetSeriesRequest';
import type { GetSeriesResponse as _aurigraph_v1_GetSeriesResponse, GetSeriesResponse__Output as _aurigraph_v1_GetSeriesResponse__Output } from './aurigraph/v1/GetSeriesResponse';
import type { PerformanceServiceClient as _aurigraph_v1_PerformanceServiceClient, PerformanceServiceDefinition as _aurigraph_v1_PerformanceServiceDefinition } from './aurigraph/v1/PerformanceService';
import type { SecondStats as _aurigraph_v1_SecondStats, SecondStats__Output as _aurigraph_v1_SecondStats__Output } from './aurigraph/v1/SecondStats';
import type { SeriesPoint as _aurigraph_v1_SeriesPoint, SeriesPoint__Output as _aurigraph_v1_SeriesPoint__Output } from './aurigraph/v1/SeriesPoint';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  aurigraph: {
    v1: {
      ForecastPoint: MessageTypeDefinition<_aurigraph_v1_ForecastPoint, _aurigraph_v1_ForecastPoint__Output>
      GetCurrentPerformanceRequest: MessageTypeDefinition<_aurigraph_v1_GetCurrentPerformanceRequest, _aurigraph_v1_GetCurrentPerformanceRequest__Output>
      GetCurrentPerformanceResponse: MessageTypeDefinition<_aurigraph_v1_GetCurrentPerformanceResponse, _aurigraph_v1_GetCurrentPerformanceResponse__Output>
      GetForecastRequest: MessageTypeDefinition<_aurigraph_v1_GetForecastRequest, _aurigraph_v1_GetForecastRequest__Output>
      GetForecastResponse: MessageTypeDefinition<_aurigraph_v1_GetForecastResponse, _aurigraph_v1_GetForecastResponse__Output>
      GetSeriesRequest: MessageTypeDefinition<_aurigraph_v1_GetSeriesRequest, _aurigraph_v1_GetSeriesRequest__Output>
      GetSeriesResponse: MessageTypeDefinition<_aurigraph_v1_GetSeriesResponse, _aurigraph_v1_GetSeriesResponse__Output>
      /**
       * PerformanceService reports throughput and latency now (from the live
       * stream of blocks) and over time (from the analytics projection). Series
       * and Forecast answer UNAVAILABLE where no projection is configured.
       */
      PerformanceService: SubtypeConstructor<typeof grpc.Client, _aurigraph_v1_PerformanceServiceClient> & { service: _aurigraph_v1_PerformanceServiceDefinition }
      SecondStats: MessageTypeDefinition<_aurigraph_v1_SecondStats, _aurigraph_v1_SecondStats__Output>
      SeriesPoint: MessageTypeDefinition<_aurigraph_v1_SeriesPoint, _aurigraph_v1_SeriesPoint__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

