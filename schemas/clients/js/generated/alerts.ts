import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AlertEntry as _aurigraph_v1_AlertEntry, AlertEntry__Output as _aurigraph_v1_AlertEntry__Output } from './aurigraph/v1/AlertEntry';
import type { AlertRule as _aurigraph_v1_AlertRule, AlertRule__Output as _aurigraph_v1_AlertRule__Output } from './aurigraph/v1/AlertRule';
import type { AlertServiceClient as _aurigraph_v1_AlertServiceClient, AlertServiceDefinition as _aurigraph_v1_AlertServiceDefinition } from './aurigraph/v1/AlertService';
import type { AlertState as _aurigraph_v1_AlertState, AlertState__Output as _aurigraph_v1_AlertState__Output } from './aurigraph/v1/AlertState';
import type { AlertTransition as _aurigraph_v1_AlertTransition, AlertTransition__Output as _aurigraph_v1_AlertTransition__Output } from './aurigraph/v1/AlertTransition';
import type { CreateAlertRuleRequest as _aurigraph_v1_CreateAlertRuleRequest, CreateAlertRuleRequest__Output as _aurigraph_v1_CreateAlertRuleRequest__Output } from './aurigraph/v1/CreateAlertRuleRequest';
import type { CreateAlertRuleResponse as _aurigraph_v1_CreateAlertRuleResponse, CreateAlertRuleResponse__Output as _aurigraph_v1_CreateAlertRuleResponse__Output } from './aurigraph/v1/CreateAlertRuleResponse';
import type { DeleteAlertRuleRequest as _aurigraph_v1_DeleteAlertRuleRequest, DeleteAlertRuleRequest__Output as _aurigraph_v1_DeleteAlertRuleRequest__Output } from './aurigraph/v1/DeleteAlertRuleRequest';
import type { DeleteAlertRuleResponse as _aurigraph_v1_DeleteAlertRuleResponse, DeleteAlertRuleResponse__Output as _aurigraph_v1_DeleteAlertRuleResponse__Output } from './aurigraph/v1/DeleteAlertRuleResponse';
import type { GetAlertRuleRequest as _aurigraph_v1_GetAlertRuleRequest, GetAlertRuleRequest__Output as _aurigraph_v1_GetAlertRuleRequest__Output } from './aurigraph/v1/GetAlertRuleRequest';
import type { GetAlertRuleResponse as _aurigraph_v1_GetAlertRuleResponse, GetAlertRuleResponse__Output as _aurigraph_v1_GetAlertRuleResponse__Output } from './aurigraph/v1/GetAlertRuleResponse';
import type { ListAlertHistoryRequest as _aurigraph_v1_ListAlertHistoryRequest, ListAlertHistoryRequest__Output as _aurigraph_v1_ListAlertHistoryRequest__Output } from './aurigraph/v1/ListAlertHistoryRequest';
import type { ListAlertHistoryResponse as _aurigraph_v1_ListAlertHistoryResponse, ListAlertHistoryResponse__Output as _aurigraph_v1_ListAlertHistoryResponse__Output } from './aurigraph/v1/ListAlertHistoryResponse';
import type { ListAlertRulesRequest as _aurigraph_v1_ListAlertRulesRequest, ListAlertRulesRequest__Output as _aurigraph_v1_ListAlertRulesRequest__Output } from './aurigraph/v1/ListAlertRulesRequest';
import type { ListAlertRulesResponse as _aurigraph_v1_ListAlertRulesResponse, ListAlertRulesResponse__Output as _aurigraph_v1_ListAlertRulesResponse__Output } from './aurigraph/v1/ListAlertRulesResponse';
import type { UpdateAlertRuleRequest as _aurigraph_v1_UpdateAlertRuleRequest, UpdateAlertRuleRequest__Output as _aurigraph_v1_UpdateAlertRuleRequest__Output } from './aurigraph/v1/UpdateAlertRuleRequest';
import type { UpdateAlertRuleResponse as _aurigraph_v1_UpdateAlertRuleResponse, UpdateAlertRuleResponse__Output as _aurigraph_v1_UpdateAlertRuleResponse__Output } from './aurigraph/v1/UpdateAlertRuleResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  aurigraph: {
    v1: {
      AlertEntry: MessageTypeDefinition<_aurigraph_v1_AlertEntry, _aurigraph_v1_AlertEntry__Output>
      AlertRule: MessageTypeDefinition<_aurigraph_v1_AlertRule, _aurigraph_v1_AlertRule__Output>
      /**
       * AlertService is the gRPC face of /api/v12/alerts, served by the same
       * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
       * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
       * action (operator role), the history chain.read (viewer). A bad rule is
       * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
       * 100 RESOURCE_EXHAUSTED.
       */
      AlertService: SubtypeConstructor<typeof grpc.Client, _aurigraph_v1_AlertServiceClient> & { service: _aurigraph_v1_AlertServiceDefinition }
      AlertState: MessageTypeDefinition<_aurigraph_v1_AlertState, _aurigraph_v1_AlertState__Output>
      AlertTransition: MessageTypeDefinition<_aurigraph_v1_AlertTransition, _aurigraph_v1_AlertTransition__Output>
      CreateAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_CreateAlertRuleRequest, _aurigraph_v1_CreateAlertRuleRequest__Output>
      CreateAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_CreateAlertRuleResponse, _aurigraph_v1_CreateAlertRuleResponse__Output>
      DeleteAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_DeleteAlertRuleRequest, _aurigraph_v1_DeleteAlertRuleRequest__Output>
      DeleteAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_DeleteAlertRuleResponse, _aurigraph_v1_DeleteAlertRuleResponse__Output>
      GetAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_GetAlertRuleRequest, _aurigraph_v1_GetAlertRuleRequest__Output>
      GetAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_GetAlertRuleResponse, _aurigraph_v1_GetAlertRuleResponse__Output>
      ListAlertHistoryRequest: MessageTypeDefinition<_aurigraph_v1_ListAlertHistoryRequest, _aurigraph_v1_ListAlertHistoryRequest__Output>
      ListAlertHistoryResponse: MessageTypeDefinition<_aurigraph_v1_ListAlertHistoryResponse, _aurigraph_v1_ListAlertHistoryResponse__Output>
      ListAlertRulesRequest: MessageTypeDefinition<_aurigraph_v1_ListAlertRulesRequest, _aurigraph_v1_ListAlertRulesRequest__Output>
      ListAlertRulesResponse: MessageTypeDefinition<_aurigraph_v1_ListAlertRulesResponse, _aurigraph_v1_ListAlertRulesResponse__Output>
      UpdateAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_UpdateAlertRuleRequest, _aurigraph_v1_UpdateAlertRuleRequest__Output>
      UpdateAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_UpdateAlertRuleResponse, _aurigraph_v1_UpdateAlertRuleResponse__Output>
    }
  }
}

