// Original file: ../../aurigraph/v1/auth.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateKeyRequest as _aurigraph_v1_CreateKeyRequest, CreateKeyRequest__Output as _aurigraph_v1_CreateKeyRequest__Output } from '../../aurigraph/v1/CreateKeyRequest';
import type { CreateKeyResponse as _aurigraph_v1_CreateKeyResponse, CreateKeyResponse__Output as _aurigraph_v1_CreateKeyResponse__Output } from '../../aurigraph/v1/CreateKeyResponse';
import type { ListKeysRequest as _aurigraph_v1_ListKeysRequest, ListKeysRequest__Output as _aurigraph_v1_ListKeysRequest__Output } from '../../aurigraph/v1/ListKeysRequest';
import type { ListKeysResponse as _aurigraph_v1_ListKeysResponse, ListKeysResponse__Output as _aurigraph_v1_ListKeysResponse__Output } from '../../aurigraph/v1/ListKeysResponse';
import type { RevokeKeyRequest as _aurigraph_v1_RevokeKeyRequest, RevokeKeyRequest__Output as _aurigraph_v1_RevokeKeyRequest__Output } from '../../aurigraph/v1/RevokeKeyRequest';
import type { RevokeKeyResponse as _aurigraph_v1_RevokeKeyResponse, RevokeKeyResponse__Output as _aurigraph_v1_RevokeKeyResponse__Output } from '../../aurigraph/v1/RevokeKeyResponse';
import type { WhoAmIRequest as _aurigraph_v1_WhoAmIRequest, WhoAmIRequest__Output as _aurigraph_v1_WhoAmIRequest__Output } from '../../aurigraph/v1/WhoAmIRequest';
import type { WhoAmIResponse as _aurigraph_v1_WhoAmIResponse, WhoAmIResponse__Output as _aurigraph_v1_WhoAmIResponse__Output } from '../../aurigraph/v1/WhoAmIResponse';

/**
 * AuthService says who the caller is and manages API keys. Key management
 * needs the admin role; WhoAmI answers any principal.
 */
export interface AuthServiceClient extends grpc.Client {
  /**
   * CreateKey makes an API key; its secret is in this response only.
   */
  CreateKey(argument: _aurigraph_v1_CreateKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateKey(argument: _aurigraph_v1_CreateKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateKey(argument: _aurigraph_v1_CreateKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateKey(argument: _aurigraph_v1_CreateKeyRequest, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * CreateKey makes an API key; its secret is in this response only.
   */
  createKey(argument: _aurigraph_v1_CreateKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  createKey(argument: _aurigraph_v1_CreateKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  createKey(argument: _aurigraph_v1_CreateKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  createKey(argument: _aurigraph_v1_CreateKeyRequest, callback: grpc.requestCallback<_aurigraph_v1_CreateKeyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * ListKeys returns the stored keys without their secrets.
   */
  ListKeys(argument: _aurigraph_v1_ListKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _aurigraph_v1_ListKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _aurigraph_v1_ListKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _aurigraph_v1_ListKeysRequest, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  /**
   * ListKeys returns the stored keys without their secrets.
   */
  listKeys(argument: _aurigraph_v1_ListKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _aurigraph_v1_ListKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _aurigraph_v1_ListKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _aurigraph_v1_ListKeysRequest, callback: grpc.requestCallback<_aurigraph_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * RevokeKey deletes a key; it stops working at once.
   */
  RevokeKey(argument: _aurigraph_v1_RevokeKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeKey(argument: _aurigraph_v1_RevokeKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeKey(argument: _aurigraph_v1_RevokeKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeKey(argument: _aurigraph_v1_RevokeKeyRequest, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * RevokeKey deletes a key; it stops working at once.
   */
  revokeKey(argument: _aurigraph_v1_RevokeKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeKey(argument: _aurigraph_v1_RevokeKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeKey(argument: _aurigraph_v1_RevokeKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeKey(argument: _aurigraph_v1_RevokeKeyRequest, callback: grpc.requestCallback<_aurigraph_v1_RevokeKeyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * WhoAmI returns the caller's principal and what the policy lets it do.
   */
  WhoAmI(argument: _aurigraph_v1_WhoAmIRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _aurigraph_v1_WhoAmIRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _aurigraph_v1_WhoAmIRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _aurigraph_v1_WhoAmIRequest, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  /**
   * WhoAmI returns the caller's principal and what the policy lets it do.
   */
  whoAmI(argument: _aurigraph_v1_WhoAmIRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _aurigraph_v1_WhoAmIRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _aurigraph_v1_WhoAmIRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _aurigraph_v1_WhoAmIRequest, callback: grpc.requestCallback<_aurigraph_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * AuthService says who the caller is and manages API keys. Key management
 * needs the admin role; WhoAmI answers any principal.
 */
export interface AuthServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * CreateKey makes an API key; its secret is in this response only.
   */
  CreateKey: grpc.handleUnaryCall<_aurigraph_v1_CreateKeyRequest__Output, _aurigraph_v1_CreateKeyResponse>;
  
  /**
   * ListKeys returns the stored keys without their secrets.
   */
  ListKeys: grpc.handleUnaryCall<_aurigraph_v1_ListKeysRequest__Output, _aurigraph_v1_ListKeysResponse>;
  
  /**
   * RevokeKey deletes a key; it stops working at once.
   */
  RevokeKey: grpc.handleUnaryCall<_aurigraph_v1_RevokeKeyRequest__Output, _aurigraph_v1_RevokeKeyResponse>;
  
  /**
   * WhoAmI returns the caller's principal and what the policy lets it do.
   */
  WhoAmI: grpc.handleUnaryCall<_aurigraph_v1_WhoAmIRequest__Output, _aurigraph_v1_WhoAmIResponse>;
  
}

export interface AuthServiceDefinition extends grpc.ServiceDefinition {
  CreateKey: MethodDefinition<_aurigraph_v1_CreateKeyRequest, _aurigraph_v1_CreateKeyResponse, _aurigraph_v1_CreateKeyRequest__Output, _aurigraph_v1_CreateKeyResponse__Output>
  ListKeys: MethodDefinition<_aurigraph_v1_ListKeysRequest, _aurigraph_v1_ListKeysResponse, _aurigraph_v1_ListKeysRequest__Output, _aurigraph_v1_ListKeysResponse__Output>
  RevokeKey: MethodDefinition<_aurigraph_v1_RevokeKeyRequest, _aurigraph_v1_RevokeKeyResponse, _aurigraph_v1_RevokeKeyRequest__Output, _aurigraph_v1_RevokeKeyResponse__Output>
  WhoAmI: MethodDefinition<_aurigraph_v1_WhoAmIRequest, _aurigraph_v1_WhoAmIResponse, _aurigraph_v1_WhoAmIRequest__Output, _aurigraph_v1_WhoAmIResponse__Output>
}
