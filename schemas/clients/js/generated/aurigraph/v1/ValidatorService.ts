// Original file: ../../aurigraph/v1/validator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddMemberRequest as _aurigraph_v1_AddMemberRequest, AddMemberRequest__Output as _aurigraph_v1_AddMemberRequest__Output } from '../../aurigraph/v1/AddMemberRequest';
import type { AddMemberResponse as _aurigraph_v1_AddMemberResponse, AddMemberResponse__Output as _aurigraph_v1_AddMemberResponse__Output } from '../../aurigraph/v1/AddMemberResponse';
import type { GetLeaderRequest as _aurigraph_v1_GetLeaderRequest, GetLeaderRequest__Output as _aurigraph_v1_GetLeaderRequest__Output } from '../../aurigraph/v1/GetLeaderRequest';
import type { GetLeaderResponse as _aurigraph_v1_GetLeaderResponse, GetLeaderResponse__Output as _aurigraph_v1_GetLeaderResponse__Output } from '../../aurigraph/v1/GetLeaderResponse';
import type { GetValidatorStatusRequest as _aurigraph_v1_GetValidatorStatusRequest, GetValidatorStatusRequest__Output as _aurigraph_v1_GetValidatorStatusRequest__Output } from '../../aurigraph/v1/GetValidatorStatusRequest';
import type { GetValidatorStatusResponse as _aurigraph_v1_GetValidatorStatusResponse, GetValidatorStatusResponse__Output as _aurigraph_v1_GetValidatorStatusResponse__Output } from '../../aurigraph/v1/GetValidatorStatusResponse';
import type { ListValidatorsRequest as _aurigraph_v1_ListValidatorsRequest, ListValidatorsRequest__Output as _aurigraph_v1_ListValidatorsRequest__Output } from '../../aurigraph/v1/ListValidatorsRequest';
import type { ListValidatorsResponse as _aurigraph_v1_ListValidatorsResponse, ListValidatorsResponse__Output as _aurigraph_v1_ListValidatorsResponse__Output } from '../../aurigraph/v1/ListValidatorsResponse';
import type { RemoveMemberRequest as _aurigraph_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _aurigraph_v1_RemoveMemberRequest__Output } from '../../aurigraph/v1/RemoveMemberRequest';
import type { RemoveMemberResponse as _aurigraph_v1_RemoveMemberResponse, RemoveMemberResponse__Output as _aurigraph_v1_RemoveMemberResponse__Output } from '../../aurigraph/v1/RemoveMemberResponse';

/**
 * ValidatorService reports the validators and changes their membership.
 * Membership changes must reach the leader: elsewhere they fail with
 * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
 * names the validator to ask.
 */
export interface ValidatorServiceClient extends grpc.Client {
  /**
   * AddMember adds a validator as a learner; the leader promotes it to
   * voter once it has caught up. ALREADY_EXISTS if the id is a member.
   */
  AddMember(argument: _aurigraph_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _aurigraph_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _aurigraph_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _aurigraph_v1_AddMemberRequest, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  /**
   * AddMember adds a validator as a learner; the leader promotes it to
   * voter once it has caught up. ALREADY_EXISTS if the id is a member.
   */
  addMember(argument: _aurigraph_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _aurigraph_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _aurigraph_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _aurigraph_v1_AddMemberRequest, callback: grpc.requestCallback<_aurigraph_v1_AddMemberResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Leader returns the current leader and term.
   */
  Leader(argument: _aurigraph_v1_GetLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  Leader(argument: _aurigraph_v1_GetLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  Leader(argument: _aurigraph_v1_GetLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  Leader(argument: _aurigraph_v1_GetLeaderRequest, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Leader returns the current leader and term.
   */
  leader(argument: _aurigraph_v1_GetLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  leader(argument: _aurigraph_v1_GetLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  leader(argument: _aurigraph_v1_GetLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  leader(argument: _aurigraph_v1_GetLeaderRequest, callback: grpc.requestCallback<_aurigraph_v1_GetLeaderResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * List returns every member with its state and progress.
   */
  List(argument: _aurigraph_v1_ListValidatorsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _aurigraph_v1_ListValidatorsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _aurigraph_v1_ListValidatorsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _aurigraph_v1_ListValidatorsRequest, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * List returns every member with its state and progress.
   */
  list(argument: _aurigraph_v1_ListValidatorsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _aurigraph_v1_ListValidatorsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _aurigraph_v1_ListValidatorsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _aurigraph_v1_ListValidatorsRequest, callback: grpc.requestCallback<_aurigraph_v1_ListValidatorsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * RemoveMember removes a validator. NOT_FOUND if it is not a member,
   * FAILED_PRECONDITION if it is the last voter.
   */
  RemoveMember(argument: _aurigraph_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _aurigraph_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _aurigraph_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _aurigraph_v1_RemoveMemberRequest, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  /**
   * RemoveMember removes a validator. NOT_FOUND if it is not a member,
   * FAILED_PRECONDITION if it is the last voter.
   */
  removeMember(argument: _aurigraph_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _aurigraph_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _aurigraph_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _aurigraph_v1_RemoveMemberRequest, callback: grpc.requestCallback<_aurigraph_v1_RemoveMemberResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Status returns one member as the answering validator sees it.
   */
  Status(argument: _aurigraph_v1_GetValidatorStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _aurigraph_v1_GetValidatorStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _aurigraph_v1_GetValidatorStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _aurigraph_v1_GetValidatorStatusRequest, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Status returns one member as the answering validator sees it.
   */
  status(argument: _aurigraph_v1_GetValidatorStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _aurigraph_v1_GetValidatorStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _aurigraph_v1_GetValidatorStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _aurigraph_v1_GetValidatorStatusRequest, callback: grpc.requestCallback<_aurigraph_v1_GetValidatorStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * ValidatorService reports the validators and changes their membership.
 * Membership changes must reach the leader: elsewhere they fail with
 * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
 * names the validator to ask.
 */
export interface ValidatorServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * AddMember adds a validator as a learner; the leader promotes it to
   * voter once it has caught up. ALREADY_EXISTS if the id is a member.
   */
  AddMember: grpc.handleUnaryCall<_aurigraph_v1_AddMemberRequest__Output, _aurigraph_v1_AddMemberResponse>;
  
  /**
   * Leader returns the current leader and term.
   */
  Leader: grpc.handleUnaryCall<_aurigraph_v1_GetLeaderRequest__Output, _aurigraph_v1_GetLeaderResponse>;
  
  /**
   * List returns every member with its state and progress.
   */
  List: grpc.handleUnaryCall<_aurigraph_v1_ListValidatorsRequest__Output, _aurigraph_v1_ListValidatorsResponse>;
  
  /**
   * RemoveMember removes a validator. NOT_FOUND if it is not a member,
   * FAILED_PRECONDITION if it is the last voter.
   */
  RemoveMember: grpc.handleUnaryCall<_aurigraph_v1_RemoveMemberRequest__Output, _aurigraph_v1_RemoveMemberResponse>;
  
  /**
   * Status returns one member as the answering validator sees it.
   */
  Status: grpc.handleUnaryCall<_aurigraph_v1_GetValidatorStatusRequest__Output, _aurigraph_v1_GetValidatorStatusResponse>;
  
}

export interface ValidatorServiceDefinition extends grpc.ServiceDefinition {
  AddMember: MethodDefinition<_aurigraph_v1_AddMemberRequest, _aurigraph_v1_AddMemberResponse, _aurigraph_v1_AddMemberRequest__Output, _aurigraph_v1_AddMemberResponse__Output>
  Leader: MethodDefinition<_aurigraph_v1_GetLeaderRequest, _aurigraph_v1_GetLeaderResponse, _aurigraph_v1_GetLeaderRequest__Output, _aurigraph_v1_GetLeaderResponse__Output>
  List: MethodDefinition<_aurigraph_v1_ListValidatorsRequest, _aurigraph_v1_ListValidatorsResponse, _aurigraph_v1_ListValidatorsRequest__Output, _aurigraph_v1_ListValidatorsResponse__Output>
  RemoveMember: MethodDefinition<_aurigraph_v1_RemoveMemberRequest, _aurigraph_v1_RemoveMemberResponse, _aurigraph_v1_RemoveMemberRequest__Output, _aurigraph_v1_RemoveMemberResponse__Output>
  Status: MethodDefinition<_aurigraph_v1_GetValidatorStatusRequest, _aurigraph_v1_GetValidatorStatusResponse, _aurigraph_v1_GetValidatorStatusRequest__Output, _aurigraph_v1_GetValidatorStatusResponse__Output>
}
