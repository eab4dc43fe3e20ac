import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Account as _aurigraph_v1_Account, Account__Output as _aurigraph_v1_Account__Output } from './aurigraph/v1/Account';
import type { AlertEntry as _aurigraph_v1_AlertEntry, AlertEntry__Output as _aurigraph_v1_AlertEntry__Output } from './aurigraph/v1/AlertEntry';
import type { AlertRule as _aurigraph_v1_AlertRule, AlertRule__Output as _aurigraph_v1_AlertRule__Output } from './aurigraph/v1/AlertRule';
import type { AlertServiceClient as _aurigraph_v1_AlertServiceClient, AlertServiceDefinition as _aurigraph_v1_AlertServiceDefinition } from './aurigraph/v1/AlertService';
import type { AlertState as _aurigraph_v1_AlertState, AlertState__Output as _aurigraph_v1_AlertState__Output } from './aurigraph/v1/AlertState';
import type { AlertTransition as _aurigraph_v1_AlertTransition, AlertTransition__Output as _aurigraph_v1_AlertTransition__Output } from './aurigraph/v1/AlertTransition';
import type { AssetInfo as _aurigraph_v1_AssetInfo, AssetInfo__Output as _aurigraph_v1_AssetInfo__Output } from './aurigraph/v1/AssetInfo';
import type { Balance as _aurigraph_v1_Balance, Balance__Output as _aurigraph_v1_Balance__Output } from './aurigraph/v1/Balance';
import type { Batch as _aurigraph_v1_Batch, Batch__Output as _aurigraph_v1_Batch__Output } from './aurigraph/v1/Batch';
import type { Block as _aurigraph_v1_Block, Block__Output as _aurigraph_v1_Block__Output } from './aurigraph/v1/Block';
import type { BlockEvent as _aurigraph_v1_BlockEvent, BlockEvent__Output as _aurigraph_v1_BlockEvent__Output } from './aurigraph/v1/BlockEvent';
import type { BlockHeader as _aurigraph_v1_BlockHeader, BlockHeader__Output as _aurigraph_v1_BlockHeader__Output } from './aurigraph/v1/BlockHeader';
import type { CreateAlertRuleRequest as _aurigraph_v1_CreateAlertRuleRequest, CreateAlertRuleRequest__Output as _aurigraph_v1_CreateAlertRuleRequest__Output } from './aurigraph/v1/CreateAlertRuleRequest';
import type { CreateAlertRuleResponse as _aurigraph_v1_CreateAlertRuleResponse, CreateAlertRuleResponse__Output as _aurigraph_v1_CreateAlertRuleResponse__Output } from './aurigraph/v1/CreateAlertRuleResponse';
import type { DeleteAlertRuleRequest as _aurigraph_v1_DeleteAlertRuleRequest, DeleteAlertRuleRequest__Output as _aurigraph_v1_DeleteAlertRuleRequest__Output } from './aurigraph/v1/DeleteAlertRuleRequest';
import type { DeleteAlertRuleResponse as _aurigraph_v1_DeleteAlertRuleResponse, DeleteAlertRuleResponse__Output as _aurigraph_v1_DeleteAlertRuleResponse__Output } from './aurigraph/v1/DeleteAlertRuleResponse';
import type { Genesis as _aurigraph_v1_Genesis, Genesis__Output as _aurigraph_v1_Genesis__Output } from './aurigraph/v1/Genesis';
import type { GetAlertRuleRequest as _aurigraph_v1_GetAlertRuleRequest, GetAlertRuleRequest__Output as _aurigraph_v1_GetAlertRuleRequest__Output } from './aurigraph/v1/GetAlertRuleRequest';
import type { GetAlertRuleResponse as _aurigraph_v1_GetAlertRuleResponse, GetAlertRuleResponse__Output as _aurigraph_v1_GetAlertRuleResponse__Output } from './aurigraph/v1/GetAlertRuleResponse';
import type { Issuer as _aurigraph_v1_Issuer, Issuer__Output as _aurigraph_v1_Issuer__Output } from './aurigraph/v1/Issuer';
import type { ListAlertHistoryRequest as _aurigraph_v1_ListAlertHistoryRequest, ListAlertHistoryRequest__Output as _aurigraph_v1_ListAlertHistoryRequest__Output } from './aurigraph/v1/ListAlertHistoryRequest';
import type { ListAlertHistoryResponse as _aurigraph_v1_ListAlertHistoryResponse, ListAlertHistoryResponse__Output as _aurigraph_v1_ListAlertHistoryResponse__Output } from './aurigraph/v1/ListAlertHistoryResponse';
import type { ListAlertRulesRequest as _aurigraph_v1_ListAlertRulesRequest, ListAlertRulesRequest__Output as _aurigraph_v1_ListAlertRulesRequest__Output } from './aurigraph/v1/ListAlertRulesRequest';
import type { ListAlertRulesResponse as _aurigraph_v1_ListAlertRulesResponse, ListAlertRulesResponse__Output as _aurigraph_v1_ListAlertRulesResponse__Output } from './aurigraph/v1/ListAlertRulesResponse';
import type { MemberContext as _aurigraph_v1_MemberContext, MemberContext__Output as _aurigraph_v1_MemberContext__Output } from './aurigraph/v1/MemberContext';
import type { PartitionOffset as _aurigraph_v1_PartitionOffset, PartitionOffset__Output as _aurigraph_v1_PartitionOffset__Output } from './aurigraph/v1/PartitionOffset';
import type { SourceRange as _aurigraph_v1_SourceRange, SourceRange__Output as _aurigraph_v1_SourceRange__Output } from './aurigraph/v1/SourceRange';
import type { StateSnapshot as _aurigraph_v1_StateSnapshot, StateSnapshot__Output as _aurigraph_v1_StateSnapshot__Output } from './aurigraph/v1/StateSnapshot';
import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from './aurigraph/v1/Transaction';
import type { TxResult as _aurigraph_v1_TxResult, TxResult__Output as _aurigraph_v1_TxResult__Output } from './aurigraph/v1/TxResult';
import type { UpdateAlertRuleRequest as _aurigraph_v1_UpdateAlertRuleRequest, UpdateAlertRuleRequest__Output as _aurigraph_v1_UpdateAlertRuleRequest__Output } from './aurigraph/v1/UpdateAlertRuleRequest';
import type { UpdateAlertRuleResponse as _aurigraph_v1_UpdateAlertRuleResponse, UpdateAlertRuleResponse__Output as _aurigraph_v1_UpdateAlertRuleResponse__Output } from './aurigraph/v1/UpdateAlertRuleResponse';
import type { ValidatorKey as _aurigraph_v1_ValidatorKey, ValidatorKey__Output as _aurigraph_v1_ValidatorKey__Output } from './aurigraph/v1/ValidatorKey';
import type { ValidatorKeyRecord as _aurigraph_v1_ValidatorKeyRecord, ValidatorKeyRecord__Output as _aurigraph_v1_ValidatorKeyRecord__Output } from './aurigraph/v1/ValidatorKeyRecord';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  aurigraph: {
    v1: {
      Account: MessageTypeDefinition<_aurigraph_v1_Account, _aurigraph_v1_Account__Output>
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
      AssetInfo: MessageTypeDefinition<_aurigraph_v1_AssetInfo, _aurigraph_v1_AssetInfo__Output>
      Balance: MessageTypeDefinition<_aurigraph_v1_Balance, _aurigraph_v1_Balance__Output>
      Batch: MessageTypeDefinition<_aurigraph_v1_Batch, _aurigraph_v1_Batch__Output>
      Block: MessageTypeDefinition<_aurigraph_v1_Block, _aurigraph_v1_Block__Output>
      BlockEvent: MessageTypeDefinition<_aurigraph_v1_BlockEvent, _aurigraph_v1_BlockEvent__Output>
      BlockHeader: MessageTypeDefinition<_aurigraph_v1_BlockHeader, _aurigraph_v1_BlockHeader__Output>
      CreateAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_CreateAlertRuleRequest, _aurigraph_v1_CreateAlertRuleRequest__Output>
      CreateAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_CreateAlertRuleResponse, _aurigraph_v1_CreateAlertRuleResponse__Output>
      DeleteAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_DeleteAlertRuleRequest, _aurigraph_v1_DeleteAlertRuleRequest__Output>
      DeleteAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_DeleteAlertRuleResponse, _aurigraph_v1_DeleteAlertRuleResponse__Output>
      Genesis: MessageTypeDefinition<_aurigraph_v1_Genesis, _aurigraph_v1_Genesis__Output>
      GetAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_GetAlertRuleRequest, _aurigraph_v1_GetAlertRuleRequest__Output>
      GetAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_GetAlertRuleResponse, _aurigraph_v1_GetAlertRuleResponse__Output>
      Issuer: MessageTypeDefinition<_aurigraph_v1_Issuer, _aurigraph_v1_Issuer__Output>
      ListAlertHistoryRequest: MessageTypeDefinition<_aurigraph_v1_ListAlertHistoryRequest, _aurigraph_v1_ListAlertHistoryRequest__Output>
      ListAlertHistoryResponse: MessageTypeDefinition<_aurigraph_v1_ListAlertHistoryResponse, _aurigraph_v1_ListAlertHistoryResponse__Output>
      ListAlertRulesRequest: MessageTypeDefinition<_aurigraph_v1_ListAlertRulesRequest, _aurigraph_v1_ListAlertRulesRequest__Output>
      ListAlertRulesResponse: MessageTypeDefinition<_aurigraph_v1_ListAlertRulesResponse, _aurigraph_v1_ListAlertRulesResponse__Output>
      MemberContext: MessageTypeDefinition<_aurigraph_v1_MemberContext, _aurigraph_v1_MemberContext__Output>
      PartitionOffset: MessageTypeDefinition<_aurigraph_v1_PartitionOffset, _aurigraph_v1_PartitionOffset__Output>
      SourceRange: MessageTypeDefinition<_aurigraph_v1_SourceRange, _aurigraph_v1_SourceRange__Output>
      StateSnapshot: MessageTypeDefinition<_aurigraph_v1_StateSnapshot, _aurigraph_v1_StateSnapshot__Output>
      Transaction: MessageTypeDefinition<_aurigraph_v1_Transaction, _aurigraph_v1_Transaction__Output>
      TxResult: MessageTypeDefinition<_aurigraph_v1_TxResult, _aurigraph_v1_TxResult__Output>
      TxStatus: EnumTypeDefinition
      TxType: EnumTypeDefinition
      UpdateAlertRuleRequest: MessageTypeDefinition<_aurigraph_v1_UpdateAlertRuleRequest, _aurigraph_v1_UpdateAlertRuleRequest__Output>
      UpdateAlertRuleResponse: MessageTypeDefinition<_aurigraph_v1_UpdateAlertRuleResponse, _aurigraph_v1_UpdateAlertRuleResponse__Output>
      ValidatorKey: MessageTypeDefinition<_aurigraph_v1_ValidatorKey, _aurigraph_v1_ValidatorKey__Output>
      ValidatorKeyRecord: MessageTypeDefinition<_aurigraph_v1_ValidatorKeyRecord, _aurigraph_v1_ValidatorKeyRecord__Output>
    }
  }
}

