import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Account as _aurigraph_v1_Account, Account__Output as _aurigraph_v1_Account__Output } from './aurigraph/v1/Account';
import type { AssetInfo as _aurigraph_v1_AssetInfo, AssetInfo__Output as _aurigraph_v1_AssetInfo__Output } from './aurigraph/v1/AssetInfo';
import type { Balance as _aurigraph_v1_Balance, Balance__Output as _aurigraph_v1_Balance__Output } from './aurigraph/v1/Balance';
import type { Batch as _aurigraph_v1_Batch, Batch__Output as _aurigraph_v1_Batch__Output } from './aurigraph/v1/Batch';
import type { Block as _aurigraph_v1_Block, Block__Output as _aurigraph_v1_Block__Output } from './aurigraph/v1/Block';
import type { BlockEvent as _aurigraph_v1_BlockEvent, BlockEvent__Output as _aurigraph_v1_BlockEvent__Output } from './aurigraph/v1/BlockEvent';
import type { BlockHeader as _aurigraph_v1_BlockHeader, BlockHeader__Output as _aurigraph_v1_BlockHeader__Output } from './aurigraph/v1/BlockHeader';
import type { ExistingTransaction as _aurigraph_v1_ExistingTransaction, ExistingTransaction__Output as _aurigraph_v1_ExistingTransaction__Output } from './aurigraph/v1/ExistingTransaction';
import type { Genesis as _aurigraph_v1_Genesis, Genesis__Output as _aurigraph_v1_Genesis__Output } from './aurigraph/v1/Genesis';
import type { GetTransactionRequest as _aurigraph_v1_GetTransactionRequest, GetTransactionRequest__Output as _aurigraph_v1_GetTransactionRequest__Output } from './aurigraph/v1/GetTransactionRequest';
import type { GetTransactionResponse as _aurigraph_v1_GetTransactionResponse, GetTransactionResponse__Output as _aurigraph_v1_GetTransactionResponse__Output } from './aurigraph/v1/GetTransactionResponse';
import type { GetTransactionStatusRequest as _aurigraph_v1_GetTransactionStatusRequest, GetTransactionStatusRequest__Output as _aurigraph_v1_GetTransactionStatusRequest__Output } from './aurigraph/v1/GetTransactionStatusRequest';
import type { GetTransactionStatusResponse as _aurigraph_v1_GetTransactionStatusResponse, GetTransactionStatusResponse__Output as _aurigraph_v1_GetTransactionStatusResponse__Output } from './aurigraph/v1/GetTransactionStatusResponse';
import type { Issuer as _aurigraph_v1_Issuer, Issuer__Output as _aurigraph_v1_Issuer__Output } from './aurigraph/v1/Issuer';
import type { MemberContext as _aurigraph_v1_MemberContext, MemberContext__Output as _aurigraph_v1_MemberContext__Output } from './aurigraph/v1/MemberContext';
import type { PartitionOffset as _aurigraph_v1_PartitionOffset, PartitionOffset__Output as _aurigraph_v1_PartitionOffset__Output } from './aurigraph/v1/PartitionOffset';
import type { SourceRange as _aurigraph_v1_SourceRange, SourceRange__Output as _aurigraph_v1_SourceRange__Output } from './aurigraph/v1/SourceRange';
import type { StateSnapshot as _aurigraph_v1_StateSnapshot, StateSnapshot__Output as _aurigraph_v1_StateSnapshot__Output } from './aurigraph/v1/StateSnapshot';
import type { SubmitBatchRequest as _aurigraph_v1_SubmitBatchRequest, SubmitBatchRequest__Output as _aurigraph_v1_SubmitBatchRequest__Output } from './aurigraph/v1/SubmitBatchRequest';
import type { SubmitBatchResponse as _aurigraph_v1_SubmitBatchResponse, SubmitBatchResponse__Output as _aurigraph_v1_SubmitBatchResponse__Output } from './aurigraph/v1/SubmitBatchResponse';
import type { SubmitRequest as _aurigraph_v1_SubmitRequest, SubmitRequest__Output as _aurigraph_v1_SubmitRequest__Output } from './aurigraph/v1/SubmitRequest';
import type { SubmitResponse as _aurigraph_v1_SubmitResponse, SubmitResponse__Output as _aurigraph_v1_SubmitResponse__Output } from './aurigraph/v1/SubmitResponse';
import type { SubmitStreamRequest as _aurigraph_v1_SubmitStreamRequest, SubmitStreamRequest__Output as _aurigraph_v1_SubmitStreamRequest__Output } from './aurigraph/v1/SubmitStreamRequest';
import type { SubmitStreamResponse as _aurigraph_v1_SubmitStreamResponse, SubmitStreamResponse__Output as _aurigraph_v1_SubmitStreamResponse__Output } from './aurigraph/v1/SubmitStreamResponse';
import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from './aurigraph/v1/Transaction';
import type { TransactionServiceClient as _aurigraph_v1_TransactionServiceClient, TransactionServiceDefinition as _aurigraph_v1_TransactionServiceDefinition } from './aurigraph/v1/TransactionService';
import type { TxResult as _aurigraph_v1_TxResult, TxResult__Output as _aurigraph_v1_TxResult__Output } from './aurigraph/v1/TxResult';
import type { ValidatorKey as _aurigraph_v1_ValidatorKey, ValidatorKey__Output as _aurigraph_v1_ValidatorKey__Output } from './aurigraph/v1/ValidatorKey';
import type { ValidatorKeyRecord as _aurigraph_v1_ValidatorKeyRecord, ValidatorKeyRecord__Output as _aurigraph_v1_ValidatorKeyRecord__Output } from './aurigraph/v1/ValidatorKeyRecord';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  aurigraph: {
    v1: {
      Account: MessageTypeDefinition<_aurigraph_v1_Account, _aurigraph_v1_Account__Output>
      AssetInfo: MessageTypeDefinition<_aurigraph_v1_AssetInfo, _aurigraph_v1_AssetInfo__Output>
      Balance: MessageTypeDefinition<_aurigraph_v1_Balance, _aurigraph_v1_Balance__Output>
      Batch: MessageTypeDefinition<_aurigraph_v1_Batch, _aurigraph_v1_Batch__Output>
      Block: MessageTypeDefinition<_aurigraph_v1_Block, _aurigraph_v1_Block__Output>
      BlockEvent: MessageTypeDefinition<_aurigraph_v1_BlockEvent, _aurigraph_v1_BlockEvent__Output>
      BlockHeader: MessageTypeDefinition<_aurigraph_v1_BlockHeader, _aurigraph_v1_BlockHeader__Output>
      ExistingTransaction: MessageTypeDefinition<_aurigraph_v1_ExistingTransaction, _aurigraph_v1_ExistingTransaction__Output>
      Genesis: MessageTypeDefinition<_aurigraph_v1_Genesis, _aurigraph_v1_Genesis__Output>
      GetTransactionRequest: MessageTypeDefinition<_aurigraph_v1_GetTransactionRequest, _aurigraph_v1_GetTransactionRequest__Output>
      GetTransactionResponse: MessageTypeDefinition<_aurigraph_v1_GetTransactionResponse, _aurigraph_v1_GetTransactionResponse__Output>
      GetTransactionStatusRequest: MessageTypeDefinition<_aurigraph_v1_GetTransactionStatusRequest, _aurigraph_v1_GetTransactionStatusRequest__Output>
      GetTransactionStatusResponse: MessageTypeDefinition<_aurigraph_v1_GetTransactionStatusResponse, _aurigraph_v1_GetTransactionStatusResponse__Output>
      Issuer: MessageTypeDefinition<_aurigraph_v1_Issuer, _aurigraph_v1_Issuer__Output>
      MemberContext: MessageTypeDefinition<_aurigraph_v1_MemberContext, _aurigraph_v1_MemberContext__Output>
      PartitionOffset: MessageTypeDefinition<_aurigraph_v1_PartitionOffset, _aurigraph_v1_PartitionOffset__Output>
      SourceRange: MessageTypeDefinition<_aurigraph_v1_SourceRange, _aurigraph_v1_SourceRange__Output>
      StateSnapshot: MessageTypeDefinition<_aurigraph_v1_StateSnapshot, _aurigraph_v1_StateSnapshot__Output>
      SubmitBatchRequest: MessageTypeDefinition<_aurigraph_v1_SubmitBatchRequest, _aurigraph_v1_SubmitBatchRequest__Output>
      SubmitBatchResponse: MessageTypeDefinition<_aurigraph_v1_SubmitBatchResponse, _aurigraph_v1_SubmitBatchResponse__Output>
      SubmitRequest: MessageTypeDefinition<_aurigraph_v1_SubmitRequest, _aurigraph_v1_SubmitRequest__Output>
      SubmitResponse: MessageTypeDefinition<_aurigraph_v1_SubmitResponse, _aurigraph_v1_SubmitResponse__Output>
      SubmitStreamRequest: MessageTypeDefinition<_aurigraph_v1_SubmitStreamRequest, _aurigraph_v1_SubmitStreamRequest__Output>
      SubmitStreamResponse: MessageTypeDefinition<_aurigraph_v1_SubmitStreamResponse, _aurigraph_v1_SubmitStreamResponse__Output>
      Transaction: MessageTypeDefinition<_aurigraph_v1_Transaction, _aurigraph_v1_Transaction__Output>
      /**
       * TransactionService writes transactions to the transaction log and reads
       * back what became of them.
       * 
       * A transaction's id is derived from its content (schemas.TxID: hex sha256
       * of its canonical encoding), so nobody can take the id another sender's
       * transaction will have. Leave id empty, or set it to that value; any other
       * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
       * gets the same id and the chain commits an id at most once, so a client may
       * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
       */
      TransactionService: SubtypeConstructor<typeof grpc.Client, _aurigraph_v1_TransactionServiceClient> & { service: _aurigraph_v1_TransactionServiceDefinition }
      TxResult: MessageTypeDefinition<_aurigraph_v1_TxResult, _aurigraph_v1_TxResult__Output>
      TxState: EnumTypeDefinition
      TxStatus: EnumTypeDefinition
      TxType: EnumTypeDefinition
      ValidatorKey: MessageTypeDefinition<_aurigraph_v1_ValidatorKey, _aurigraph_v1_ValidatorKey__Output>
      ValidatorKeyRecord: MessageTypeDefinition<_aurigraph_v1_ValidatorKeyRecord, _aurigraph_v1_ValidatorKeyRecord__Output>
    }
  }
}

