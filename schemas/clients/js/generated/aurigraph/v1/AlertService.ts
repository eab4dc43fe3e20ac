// Original file: ../../aurigraph/v1/alerts.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateAlertRuleRequest as _aurigraph_v1_CreateAlertRuleRequest, CreateAlertRuleRequest__Output as _aurigraph_v1_CreateAlertRuleRequest__Output } from '../../aurigraph/v1/CreateAlertRuleRequest';
import type { CreateAlertRuleResponse as _aurigraph_v1_CreateAlertRuleResponse, CreateAlertRuleResponse__Output as _aurigraph_v1_CreateAlertRuleResponse__Output } from '../../aurigraph/v1/CreateAlertRuleResponse';
import type { DeleteAlertRuleRequest as _aurigraph_v1_DeleteAlertRuleRequest, DeleteAlertRuleRequest__Output as _aurigraph_v1_DeleteAlertRuleRequest__Output } from '../../aurigraph/v1/DeleteAlertRuleRequest';
import type { DeleteAlertRuleResponse as _aurigraph_v1_DeleteAlertRuleResponse, DeleteAlertRuleResponse__Output as _aurigraph_v1_DeleteAlertRuleResponse__Output } from '../../aurigraph/v1/DeleteAlertRuleResponse';
import type { GetAlertRuleRequest as _aurigraph_v1_GetAlertRuleRequest, GetAlertRuleRequest__Output as _aurigraph_v1_GetAlertRuleRequest__Output } from '../../aurigraph/v1/GetAlertRuleRequest';
import type { GetAlertRuleResponse as _aurigraph_v1_GetAlertRuleResponse, GetAlertRuleResponse__Output as _aurigraph_v1_GetAlertRuleResponse__Output } from '../../aurigraph/v1/GetAlertRuleResponse';
import type { ListAlertHistoryRequest as _aurigraph_v1_ListAlertHistoryRequest, ListAlertHistoryRequest__Output as _aurigraph_v1_ListAlertHistoryRequest__Output } from '../../aurigraph/v1/ListAlertHistoryRequest';
import type { ListAlertHistoryResponse as _aurigraph_v1_ListAlertHistoryResponse, ListAlertHistoryResponse__Output as _aurigraph_v1_ListAlertHistoryResponse__Output } from '../../aurigraph/v1/ListAlertHistoryResponse';
import type { ListAlertRulesRequest as _aurigraph_v1_ListAlertRulesRequest, ListAlertRulesRequest__Output as _aurigraph_v1_ListAlertRulesRequest__Output } from '../../aurigraph/v1/ListAlertRulesRequest';
import type { ListAlertRulesResponse as _aurigraph_v1_ListAlertRulesResponse, ListAlertRulesResponse__Output as _aurigraph_v1_ListAlertRulesResponse__Output } from '../../aurigraph/v1/ListAlertRulesResponse';
import type { UpdateAlertRuleRequest as _aurigraph_v1_UpdateAlertRuleRequest, UpdateAlertRuleRequest__Output as _aurigraph_v1_UpdateAlertRuleRequest__Output } from '../../aurigraph/v1/UpdateAlertRuleRequest';
import type { UpdateAlertRuleResponse as _aurigraph_v1_UpdateAlertRuleResponse, UpdateAlertRuleResponse__Output as _aurigraph_v1_UpdateAlertRuleResponse__Output } from '../../aurigraph/v1/UpdateAlertRuleResponse';

/**
 * AlertService is the gRPC face of /api/v12/alerts, served by the same
 * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
 * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
 * action (operator role), the history chain.read (viewer). A bad rule is
 * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
 * 100 RESOURCE_EXHAUSTED.
 */
export interface AlertServiceClient extends grpc.Client {
  CreateRule(argument: _aurigraph_v1_CreateAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  CreateRule(argument: _aurigraph_v1_CreateAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  CreateRule(argument: _aurigraph_v1_CreateAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  CreateRule(argument: _aurigraph_v1_CreateAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  createRule(argument: _aurigraph_v1_CreateAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  createRule(argument: _aurigraph_v1_CreateAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  createRule(argument: _aurigraph_v1_CreateAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  createRule(argument: _aurigraph_v1_CreateAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_CreateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  DeleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  DeleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  DeleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  deleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  deleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  deleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  deleteRule(argument: _aurigraph_v1_DeleteAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_DeleteAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  
  GetRule(argument: _aurigraph_v1_GetAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  GetRule(argument: _aurigraph_v1_GetAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  GetRule(argument: _aurigraph_v1_GetAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  GetRule(argument: _aurigraph_v1_GetAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  getRule(argument: _aurigraph_v1_GetAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  getRule(argument: _aurigraph_v1_GetAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  getRule(argument: _aurigraph_v1_GetAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  getRule(argument: _aurigraph_v1_GetAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_GetAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  
  ListHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  ListHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  listHistory(argument: _aurigraph_v1_ListAlertHistoryRequest, callback: grpc.requestCallback<_aurigraph_v1_ListAlertHistoryResponse__Output>): grpc.ClientUnaryCall;
  
  ListRules(argument: _aurigraph_v1_ListAlertRulesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  ListRules(argument: _aurigraph_v1_ListAlertRulesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  ListRules(argument: _aurigraph_v1_ListAlertRulesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  ListRules(argument: _aurigraph_v1_ListAlertRulesRequest, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listRules(argument: _aurigraph_v1_ListAlertRulesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listRules(argument: _aurigraph_v1_ListAlertRulesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listRules(argument: _aurigraph_v1_ListAlertRulesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  listRules(argument: _aurigraph_v1_ListAlertRulesRequest, callback: grpc.requestCallback<_aurigraph_v1_ListAlertRulesResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  UpdateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  UpdateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  UpdateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  updateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  updateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  updateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  updateRule(argument: _aurigraph_v1_UpdateAlertRuleRequest, callback: grpc.requestCallback<_aurigraph_v1_UpdateAlertRuleResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * AlertService is the gRPC face of /api/v12/alerts, served by the same
 * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
 * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
 * action (operator role), the history chain.read (viewer). A bad rule is
 * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
 * 100 RESOURCE_EXHAUSTED.
 */
export interface AlertServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateRule: grpc.handleUnaryCall<_aurigraph_v1_CreateAlertRuleRequest__Output, _aurigraph_v1_CreateAlertRuleResponse>;
  
  DeleteRule: grpc.handleUnaryCall<_aurigraph_v1_DeleteAlertRuleRequest__Output, _aurigraph_v1_DeleteAlertRuleResponse>;
  
  GetRule: grpc.handleUnaryCall<_aurigraph_v1_GetAlertRuleRequest__Output, _aurigraph_v1_GetAlertRuleResponse>;
  
  ListHistory: grpc.handleUnaryCall<_aurigraph_v1_ListAlertHistoryRequest__Output, _aurigraph_v1_ListAlertHistoryResponse>;
  
  ListRules: grpc.handleUnaryCall<_aurigraph_v1_ListAlertRulesRequest__Output, _aurigraph_v1_ListAlertRulesResponse>;
  
  UpdateRule: grpc.handleUnaryCall<_aurigraph_v1_UpdateAlertRuleRequest__Output, _aurigraph_v1_UpdateAlertRuleResponse>;
  
}

export interface AlertServiceDefinition extends grpc.ServiceDefinition {
  CreateRule: MethodDefinition<_aurigraph_v1_CreateAlertRuleRequest, _aurigraph_v1_CreateAlertRuleResponse, _aurigraph_v1_CreateAlertRuleRequest__Output, _aurigraph_v1_CreateAlertRuleResponse__Output>
  DeleteRule: MethodDefinition<_aurigraph_v1_DeleteAlertRuleRequest, _aurigraph_v1_DeleteAlertRuleResponse, _aurigraph_v1_DeleteAlertRuleRequest__Output, _aurigraph_v1_DeleteAlertRuleResponse__Output>
  GetRule: MethodDefinition<_aurigraph_v1_GetAlertRuleRequest, _aurigraph_v1_GetAlertRuleResponse, _aurigraph_v1_GetAlertRuleRequest__Output, _aurigraph_v1_GetAlertRuleResponse__Output>
  ListHistory: MethodDefinition<_aurigraph_v1_ListAlertHistoryRequest, _aurigraph_v1_ListAlertHistoryResponse, _aurigraph_v1_ListAlertHistoryRequest__Output, _aurigraph_v1_ListAlertHistoryResponse__Output>
  ListRules: MethodDefinition<_aurigraph_v1_ListAlertRulesRequest, _aurigraph_v1_ListAlertRulesResponse, _aurigraph_v1_ListAlertRulesRequest__Output, _aurigraph_v1_ListAlertRulesResponse__Output>
  UpdateRule: MethodDefinition<_aurigraph_v1_UpdateAlertRuleRequest, _aurigraph_v1_UpdateAlertRuleResponse, _aurigraph_v1_UpdateAlertRuleRequest__Output, _aurigraph_v1_UpdateAlertRuleResponse__Output>
}
