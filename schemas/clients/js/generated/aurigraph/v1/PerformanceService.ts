// Original file: ../../aurigraph/v1/performance.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetCurrentPerformanceRequest as _aurigraph_v1_GetCurrentPerformanceRequest, GetCurrentPerformanceRequest__Output as _aurigraph_v1_GetCurrentPerformanceRequest__Output } from '../../aurigraph/v1/GetCurrentPerformanceRequest';
import type { GetCurrentPerformanceResponse as _aurigraph_v1_GetCurrentPerformanceResponse, GetCurrentPerformanceResponse__Output as _aurigraph_v1_GetCurrentPerformanceResponse__Output } from '../../aurigraph/v1/GetCurrentPerformanceResponse';
import type { GetForecastRequest as _aurigraph_v1_GetForecastRequest, GetForecastRequest__Output as _aurigraph_v1_GetForecastRequest__Output } from '../../aurigraph/v1/GetForecastRequest';
import type { GetForecastResponse as _aurigraph_v1_GetForecastResponse, GetForecastResponse__Output as _aurigraph_v1_GetForecastResponse__Output } from '../../aurigraph/v1/GetForecastResponse';
import type { GetSeriesRequest as _aurigraph_v1_GetSeriesRequest, GetSeriesRequest__Output as _aurigraph_v1_GetSeriesRequest__Output } from '../../aurigraph/v1/GetSeriesRequest';
import type { GetSeriesResponse as _aurigraph_v1_GetSeriesResponse, GetSeriesResponse__Output as _aurigraph_v1_GetSeriesResponse__Output } from '../../aurigraph/v1/GetSeriesResponse';

/**
 * PerformanceService reports throughput and latency now (from the live
 * stream of blocks) and over time (from the analytics projection). Series
 * and Forecast answer UNAVAILABLE where no projection is configured.
 */
export interface PerformanceServiceClient extends grpc.Client {
  Current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  Current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  Current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  Current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  current(argument: _aurigraph_v1_GetCurrentPerformanceRequest, callback: grpc.requestCallback<_aurigraph_v1_GetCurrentPerformanceResponse__Output>): grpc.ClientUnaryCall;
  
  Forecast(argument: _aurigraph_v1_GetForecastRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  Forecast(argument: _aurigraph_v1_GetForecastRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  Forecast(argument: _aurigraph_v1_GetForecastRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  Forecast(argument: _aurigraph_v1_GetForecastRequest, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  forecast(argument: _aurigraph_v1_GetForecastRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  forecast(argument: _aurigraph_v1_GetForecastRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  forecast(argument: _aurigraph_v1_GetForecastRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  forecast(argument: _aurigraph_v1_GetForecastRequest, callback: grpc.requestCallback<_aurigraph_v1_GetForecastResponse__Output>): grpc.ClientUnaryCall;
  
  Series(argument: _aurigraph_v1_GetSeriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  Series(argument: _aurigraph_v1_GetSeriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  Series(argument: _aurigraph_v1_GetSeriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  Series(argument: _aurigraph_v1_GetSeriesRequest, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  series(argument: _aurigraph_v1_GetSeriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  series(argument: _aurigraph_v1_GetSeriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  series(argument: _aurigraph_v1_GetSeriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  series(argument: _aurigraph_v1_GetSeriesRequest, callback: grpc.requestCallback<_aurigraph_v1_GetSeriesResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * PerformanceService reports throughput and latency now (from the live
 * stream of blocks) and over time (from the analytics projection). Series
 * and Forecast answer UNAVAILABLE where no projection is configured.
 */
export interface PerformanceServiceHandlers extends grpc.UntypedServiceImplementation {
  Current: grpc.handleUnaryCall<_aurigraph_v1_GetCurrentPerformanceRequest__Output, _aurigraph_v1_GetCurrentPerformanceResponse>;
  
  Forecast: grpc.handleUnaryCall<_aurigraph_v1_GetForecastRequest__Output, _aurigraph_v1_GetForecastResponse>;
  
  Series: grpc.handleUnaryCall<_aurigraph_v1_GetSeriesRequest__Output, _aurigraph_v1_GetSeriesResponse>;
  
}

export interface PerformanceServiceDefinition extends grpc.ServiceDefinition {
  Current: MethodDefinition<_aurigraph_v1_GetCurrentPerformanceRequest, _aurigraph_v1_GetCurrentPerformanceResponse, _aurigraph_v1_GetCurrentPerformanceRequest__Output, _aurigraph_v1_GetCurrentPerformanceResponse__Output>
  Forecast: MethodDefinition<_aurigraph_v1_GetForecastRequest, _aurigraph_v1_GetForecastResponse, _aurigraph_v1_GetForecastRequest__Output, _aurigraph_v1_GetForecastResponse__Output>
  Series: MethodDefinition<_aurigraph_v1_GetSeriesRequest, _aurigraph_v1_GetSeriesResponse, _aurigraph_v1_GetSeriesRequest__Output, _aurigraph_v1_GetSeriesResponse__Output>
}
