import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddMemberRequest as _aurigraph_v1_AddMemberRequest, AddMemberRequest__Output as _aurigraph_v1_AddMemberRequest__Output } from './aurigraph/v1/AddMemberRequest';
import type { AddMemberResponse as _aurigraph_v1_AddMemberResponse, AddMemberResponse__Output as _aurigraph_v1_AddMemberResponse__Output } from './aurigraph/v1/AddMemberResponse';
import type { GetLeaderRequest as _aurigraph_v1_GetLeaderRequest, GetLeaderRequest__Output as _aurigraph_v1_GetLeaderRequest__Output } from './aurigraph/v1/GetLeaderRequest';
import type { GetLeaderResponse as _aurigraph_v1_GetLeaderResponse, GetLeaderResponse__Output as _aurigraph_v1_GetLeaderResponse__Output } from './aurigraph/v1/GetLeaderResponse';
import type { GetValidatorStatusRequest as _aurigraph_v1_GetValidatorStatusRequest, GetValidatorStatusRequest__Output as _aurigraph_v1_GetValidatorStatusRequest__Output } from './aurigraph/v1/GetValidatorStatusRequest';
import type { GetValidatorStatusResponse as _aurigraph_v1_GetValidatorStatusResponse, GetValidatorStatusResponse__Output as _aurigraph_v1_GetValidatorStatusResponse__Output } from './aurigraph/v1/GetValidatorStatusResponse';
import type { ListValidatorsRequest as _aurigraph_v1_ListValidatorsRequest, ListValidatorsRequest__Output as _aurigraph_v1_ListValidatorsRequest__Output } from './aurigraph/v1/ListValidatorsRequest';
import type { ListValidatorsResponse as _aurigraph_v1_ListValidatorsResponse, ListValidatorsResponse__Output as _aurigraph_v1_ListValidatorsResponse__Output } from './aurigraph/v1/ListValidatorsResponse';
import type { RemoveMemberRequest as _aurigraph_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _aurigraph_v1_RemoveMemberRequest__Output } from './aurigraph/v1/RemoveMemberRequest';
import type { RemoveMemberResponse as _aurigraph_v1_RemoveMemberResponse, RemoveMemberResponse__Output as _aurigraph_v1_RemoveMemberResponse__Output } from './aurigraph/v1/RemoveMemberResponse';
import type { Validator as _aurigraph_v1_Validator, Validator__Output as _aurigraph_v1_Validator__Output } from './aurigraph/v1/Validator';
import type { ValidatorServiceClient as _aurigraph_v1_ValidatorServiceClient, ValidatorServiceDefinition as _aurigraph_v1_ValidatorServiceDefinition } from './aurigraph/v1/ValidatorService';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  aurigraph: {
    v1: {
      AddMemberRequest: MessageTypeDefinition<_aurigraph_v1_AddMemberRequest, _aurigraph_v1_AddMemberRequest__Output>
      AddMemberResponse: MessageTypeDefinition<_aurigraph_v1_AddMemberResponse, _aurigraph_v1_AddMemberResponse__Output>
      GetLeaderRequest: MessageTypeDefinition<_aurigraph_v1_GetLeaderRequest, _aurigraph_v1_GetLeaderRequest__Output>
      GetLeaderResponse: MessageTypeDefinition<_aurigraph_v1_GetLeaderResponse, _aurigraph_v1_GetLeaderResponse__Output>
      GetValidatorStatusRequest: MessageTypeDefinition<_aurigraph_v1_GetValidatorStatusRequest, _aurigraph_v1_GetValidatorStatusRequest__Output>
      GetValidatorStatusResponse: MessageTypeDefinition<_aurigraph_v1_GetValidatorStatusResponse, _aurigraph_v1_GetValidatorStatusResponse__Output>
      ListValidatorsRequest: MessageTypeDefinition<_aurigraph_v1_ListValidatorsRequest, _aurigraph_v1_ListValidatorsRequest__Output>
      ListValidatorsResponse: MessageTypeDefinition<_aurigraph_v1_ListValidatorsResponse, _aurigraph_v1_ListValidatorsResponse__Output>
      RemoveMemberRequest: MessageTypeDefinition<_aurigraph_v1_RemoveMemberRequest, _aurigraph_v1_RemoveMemberRequest__Output>
      RemoveMemberResponse: MessageTypeDefinition<_aurigraph_v1_RemoveMemberResponse, _aurigraph_v1_RemoveMemberResponse__Output>
      Validator: MessageTypeDefinition<_aurigraph_v1_Validator, _aurigraph_v1_Validator__Output>
      ValidatorRole: EnumTypeDefinition
      /**
       * ValidatorService reports the validators and changes their membership.
       * Membership changes must reach the leader: elsewhere they fail with
       * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
       * names the validator to ask.
       */
      ValidatorService: SubtypeConstructor<typeof grpc.Client, _aurigraph_v1_ValidatorServiceClient> & { service: _aurigraph_v1_ValidatorServiceDefinition }
    }
  }
}

