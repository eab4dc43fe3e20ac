// Original file: ../../aurigraph/v1/block.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetBlockRequest as _aurigraph_v1_GetBlockRequest, GetBlockRequest__Output as _aurigraph_v1_GetBlockRequest__Output } from '../../aurigraph/v1/GetBlockRequest';
import type { GetBlockResponse as _aurigraph_v1_GetBlockResponse, GetBlockResponse__Output as _aurigraph_v1_GetBlockResponse__Output } from '../../aurigraph/v1/GetBlockResponse';
import type { GetLatestBlockRequest as _aurigraph_v1_GetLatestBlockRequest, GetLatestBlockRequest__Output as _aurigraph_v1_GetLatestBlockRequest__Output } from '../../aurigraph/v1/GetLatestBlockRequest';
import type { GetLatestBlockResponse as _aurigraph_v1_GetLatestBlockResponse, GetLatestBlockResponse__Output as _aurigraph_v1_GetLatestBlockResponse__Output } from '../../aurigraph/v1/GetLatestBlockResponse';
import type { ListBlocksRequest as _aurigraph_v1_ListBlocksRequest, ListBlocksRequest__Output as _aurigraph_v1_ListBlocksRequest__Output } from '../../aurigraph/v1/ListBlocksRequest';
import type { ListBlocksResponse as _aurigraph_v1_ListBlocksResponse, ListBlocksResponse__Output as _aurigraph_v1_ListBlocksResponse__Output } from '../../aurigraph/v1/ListBlocksResponse';

/**
 * BlockService reads committed blocks. Reads are linearizable unless a
 * request sets stale: they see every block committed before the request.
 * UNAVAILABLE means no leader answered in time or the validator is still
 * fetching the blocks asked for; retry, or set stale.
 */
export interface BlockServiceClient extends grpc.Client {
  /**
   * Get returns one block by height or by hash.
   */
  Get(argument: _aurigraph_v1_GetBlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _aurigraph_v1_GetBlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _aurigraph_v1_GetBlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _aurigraph_v1_GetBlockRequest, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Get returns one block by height or by hash.
   */
  get(argument: _aurigraph_v1_GetBlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _aurigraph_v1_GetBlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _aurigraph_v1_GetBlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _aurigraph_v1_GetBlockRequest, callback: grpc.requestCallback<_aurigraph_v1_GetBlockResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
   */
  Latest(argument: _aurigraph_v1_GetLatestBlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  Latest(argument: _aurigraph_v1_GetLatestBlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  Latest(argument: _aurigraph_v1_GetLatestBlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  Latest(argument: _aurigraph_v1_GetLatestBlockRequest, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
   */
  latest(argument: _aurigraph_v1_GetLatestBlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  latest(argument: _aurigraph_v1_GetLatestBlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  latest(argument: _aurigraph_v1_GetLatestBlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  latest(argument: _aurigraph_v1_GetLatestBlockRequest, callback: grpc.requestCallback<_aurigraph_v1_GetLatestBlockResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * List returns consecutive blocks from from_height, at most limit of them.
   */
  List(argument: _aurigraph_v1_ListBlocksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _aurigraph_v1_ListBlocksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _aurigraph_v1_ListBlocksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _aurigraph_v1_ListBlocksRequest, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * List returns consecutive blocks from from_height, at most limit of them.
   */
  list(argument: _aurigraph_v1_ListBlocksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _aurigraph_v1_ListBlocksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _aurigraph_v1_ListBlocksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _aurigraph_v1_ListBlocksRequest, callback: grpc.requestCallback<_aurigraph_v1_ListBlocksResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * BlockService reads committed blocks. Reads are linearizable unless a
 * request sets stale: they see every block committed before the request.
 * UNAVAILABLE means no leader answered in time or the validator is still
 * fetching the blocks asked for; retry, or set stale.
 */
export interface BlockServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Get returns one block by height or by hash.
   */
  Get: grpc.handleUnaryCall<_aurigraph_v1_GetBlockRequest__Output, _aurigraph_v1_GetBlockResponse>;
  
  /**
   * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
   */
  Latest: grpc.handleUnaryCall<_aurigraph_v1_GetLatestBlockRequest__Output, _aurigraph_v1_GetLatestBlockResponse>;
  
  /**
   * List returns consecutive blocks from from_height, at most limit of them.
   */
  List: grpc.handleUnaryCall<_aurigraph_v1_ListBlocksRequest__Output, _aurigraph_v1_ListBlocksResponse>;
  
}

export interface BlockServiceDefinition extends grpc.ServiceDefinition {
  Get: MethodDefinition<_aurigraph_v1_GetBlockRequest, _aurigraph_v1_GetBlockResponse, _aurigraph_v1_GetBlockRequest__Output, _aurigraph_v1_GetBlockResponse__Output>
  Latest: MethodDefinition<_aurigraph_v1_GetLatestBlockRequest, _aurigraph_v1_GetLatestBlockResponse, _aurigraph_v1_GetLatestBlockRequest__Output, _aurigraph_v1_GetLatestBlockResponse__Output>
  List: MethodDefinition<_aurigraph_v1_ListBlocksRequest, _aurigraph_v1_ListBlocksResponse, _aurigraph_v1_ListBlocksRequest__Output, _aurigraph_v1_ListBlocksResponse__Output>
}
