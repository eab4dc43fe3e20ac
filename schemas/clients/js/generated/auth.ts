import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApiKey as _aurigraph_v1_ApiKey, ApiKey__Output as _aurigraph_v1_ApiKey__Output } from './aurigraph/v1/ApiKey';
import type { AuthServiceClient as _aurigraph_v1_AuthServiceClient, AuthServiceDefinition as _aurigraph_v1_AuthServiceDefinition } from './aurigraph/v1/AuthService';
import type { CreateKeyRequest as _aurigraph_v1_CreateKeyRequest, CreateKeyRequest__Output as _aurigraph_v1_CreateKeyRequest__Output } from './aurigraph/v1/CreateKeyRequest';
import type { CreateKeyResponse as _aurigraph_v1_CreateKeyResponse, CreateKeyResponse__Output as _aurigraph_v1_CreateKeyResponse__Output } from './aurigraph/v1/CreateKeyResponse';
import type { ListKeysRequest as _aurigraph_v1_ListKeysRequest, ListKeysRequest__Output as _aurigraph_v1_ListKeysRequest__Output } from './aurigraph/v1/ListKeysRequest';
import type { ListKeysResponse as _aurigraph_v1_ListKeysResponse, ListKeysResponse__Output as _aurigraph_v1_ListKeysResponse__Output } from './aurigraph/v1/ListKeysResponse';
import type { RevokeKeyRequest as _aurigraph_v1_RevokeKeyRequest, RevokeKeyRequest__Output as _aurigraph_v1_RevokeKeyRequest__Output } from './aurigraph/v1/RevokeKeyRequest';
import type { RevokeKeyResponse as _aurigraph_v1_RevokeKeyResponse, RevokeKeyResponse__Output as _aurigraph_v1_RevokeKeyResponse__Output } from './aurigraph/v1/RevokeKeyResponse';
import type { WhoAmIRequest as _aurigraph_v1_WhoAmIRequest, WhoAmIRequest__Output as _aurigraph_v1_WhoAmIRequest__Output } from './aurigraph/v1/WhoAmIRequest';
import type { WhoAmIResponse as _aurigraph_v1_WhoAmIResponse, WhoAmIResponse__Output as _aurigraph_v1_WhoAmIResponse__Output } from './aurigraph/v1/WhoAmIResponse';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  aurigraph: {
    v1: {
      ApiKey: MessageTypeDefinition<_aurigraph_v1_ApiKey, _aurigraph_v1_ApiKey__Output>
      /**
       * AuthService says who the caller is and manages API keys. Key management
       * needs the admin role; WhoAmI answers any principal.
       */
      AuthService: SubtypeConstructor<typeof grpc.Client, _aurigraph_v1_AuthServiceClient> & { service: _aurigraph_v1_AuthServiceDefinition }
      CreateKeyRequest: MessageTypeDefinition<_aurigraph_v1_CreateKeyRequest, _aurigraph_v1_CreateKeyRequest__Output>
      CreateKeyResponse: MessageTypeDefinition<_aurigraph_v1_CreateKeyResponse, _aurigraph_v1_CreateKeyResponse__Output>
      ListKeysRequest: MessageTypeDefinition<_aurigraph_v1_ListKeysRequest, _aurigraph_v1_ListKeysRequest__Output>
      ListKeysResponse: MessageTypeDefinition<_aurigraph_v1_ListKeysResponse, _aurigraph_v1_ListKeysResponse__Output>
      RevokeKeyRequest: MessageTypeDefinition<_aurigraph_v1_RevokeKeyRequest, _aurigraph_v1_RevokeKeyRequest__Output>
      RevokeKeyResponse: MessageTypeDefinition<_aurigraph_v1_RevokeKeyResponse, _aurigraph_v1_RevokeKeyResponse__Output>
      WhoAmIRequest: MessageTypeDefinition<_aurigraph_v1_WhoAmIRequest, _aurigraph_v1_WhoAmIRequest__Output>
      WhoAmIResponse: MessageTypeDefinition<_aurigraph_v1_WhoAmIResponse, _aurigraph_v1_WhoAmIResponse__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

