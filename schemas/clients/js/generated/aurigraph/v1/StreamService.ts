// Original file: ../../aurigraph/v1/stream.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { StreamEvent as _aurigraph_v1_StreamEvent, StreamEvent__Output as _aurigraph_v1_StreamEvent__Output } from '../../aurigraph/v1/StreamEvent';
import type { SubscribeRequest as _aurigraph_v1_SubscribeRequest, SubscribeRequest__Output as _aurigraph_v1_SubscribeRequest__Output } from '../../aurigraph/v1/SubscribeRequest';

export interface StreamServiceClient extends grpc.Client {
  /**
   * Streams events until the client cancels or the server shuts down. Once
   * the subscription is in place the server sends response header metadata
   * "aurigraph-height" with the chain head: every block committed after it
   * will be delivered, so a client may wait for it before submitting. A
   * subscriber that falls too far behind is moved to replay from storage;
   * one that cannot keep up even so ends with RESOURCE_EXHAUSTED, and
   * resumes with after set to the id of the last event it received. On
   * shutdown the stream ends with UNAVAILABLE; resume the same way.
   */
  Subscribe(argument: _aurigraph_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_aurigraph_v1_StreamEvent__Output>;
  Subscribe(argument: _aurigraph_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_aurigraph_v1_StreamEvent__Output>;
  /**
   * Streams events until the client cancels or the server shuts down. Once
   * the subscription is in place the server sends response header metadata
   * "aurigraph-height" with the chain head: every block committed after it
   * will be delivered, so a client may wait for it before submitting. A
   * subscriber that falls too far behind is moved to replay from storage;
   * one that cannot keep up even so ends with RESOURCE_EXHAUSTED, and
   * resumes with after set to the id of the last event it received. On
   * shutdown the stream ends with UNAVAILABLE; resume the same way.
   */
  subscribe(argument: _aurigraph_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_aurigraph_v1_StreamEvent__Output>;
  subscribe(argument: _aurigraph_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_aurigraph_v1_StreamEvent__Output>;
  
}

export interface StreamServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Streams events until the client cancels or the server shuts down. Once
   * the subscription is in place the server sends response header metadata
   * "aurigraph-height" with the chain head: every block committed after it
   * will be delivered, so a client may wait for it before submitting. A
   * subscriber that falls too far behind is moved to replay from storage;
   * one that cannot keep up even so ends with RESOURCE_EXHAUSTED, and
   * resumes with after set to the id of the last event it received. On
   * shutdown the stream ends with UNAVAILABLE; resume the same way.
   */
  Subscribe: grpc.handleServerStreamingCall<_aurigraph_v1_SubscribeRequest__Output, _aurigraph_v1_StreamEvent>;
  
}

export interface StreamServiceDefinition extends grpc.ServiceDefinition {
  Subscribe: MethodDefinition<_aurigraph_v1_SubscribeRequest, _aurigraph_v1_StreamEvent, _aurigraph_v1_SubscribeRequest__Output, _aurigraph_v1_StreamEvent__Output>
}
