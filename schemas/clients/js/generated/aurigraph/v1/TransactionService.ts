// Original file: ../../aurigraph/v1/transaction.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetTransactionRequest as _aurigraph_v1_GetTransactionRequest, GetTransactionRequest__Output as _aurigraph_v1_GetTransactionRequest__Output } from '../../aurigraph/v1/GetTransactionRequest';
import type { GetTransactionResponse as _aurigraph_v1_GetTransactionResponse, GetTransactionResponse__Output as _aurigraph_v1_GetTransactionResponse__Output } from '../../aurigraph/v1/GetTransactionResponse';
import type { GetTransactionStatusRequest as _aurigraph_v1_GetTransactionStatusRequest, GetTransactionStatusRequest__Output as _aurigraph_v1_GetTransactionStatusRequest__Output } from '../../aurigraph/v1/GetTransactionStatusRequest';
import type { GetTransactionStatusResponse as _aurigraph_v1_GetTransactionStatusResponse, GetTransactionStatusResponse__Output as _aurigraph_v1_GetTransactionStatusResponse__Output } from '../../aurigraph/v1/GetTransactionStatusResponse';
import type { SubmitBatchRequest as _aurigraph_v1_SubmitBatchRequest, SubmitBatchRequest__Output as _aurigraph_v1_SubmitBatchRequest__Output } from '../../aurigraph/v1/SubmitBatchRequest';
import type { SubmitBatchResponse as _aurigraph_v1_SubmitBatchResponse, SubmitBatchResponse__Output as _aurigraph_v1_SubmitBatchResponse__Output } from '../../aurigraph/v1/SubmitBatchResponse';
import type { SubmitRequest as _aurigraph_v1_SubmitRequest, SubmitRequest__Output as _aurigraph_v1_SubmitRequest__Output } from '../../aurigraph/v1/SubmitRequest';
import type { SubmitResponse as _aurigraph_v1_SubmitResponse, SubmitResponse__Output as _aurigraph_v1_SubmitResponse__Output } from '../../aurigraph/v1/SubmitResponse';
import type { SubmitStreamRequest as _aurigraph_v1_SubmitStreamRequest, SubmitStreamRequest__Output as _aurigraph_v1_SubmitStreamRequest__Output } from '../../aurigraph/v1/SubmitStreamRequest';
import type { SubmitStreamResponse as _aurigraph_v1_SubmitStreamResponse, SubmitStreamResponse__Output as _aurigraph_v1_SubmitStreamResponse__Output } from '../../aurigraph/v1/SubmitStreamResponse';

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
export interface TransactionServiceClient extends grpc.Client {
  /**
   * Get returns a committed transaction with its outcome and position.
   * NOT_FOUND when the id is neither in the chain nor pending.
   */
  Get(argument: _aurigraph_v1_GetTransactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _aurigraph_v1_GetTransactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _aurigraph_v1_GetTransactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _aurigraph_v1_GetTransactionRequest, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Get returns a committed transaction with its outcome and position.
   * NOT_FOUND when the id is neither in the chain nor pending.
   */
  get(argument: _aurigraph_v1_GetTransactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _aurigraph_v1_GetTransactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _aurigraph_v1_GetTransactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _aurigraph_v1_GetTransactionRequest, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Status reports where a transaction is: pending (accepted, not yet in a
   * block), committed or failed. NOT_FOUND as for Get.
   */
  Status(argument: _aurigraph_v1_GetTransactionStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _aurigraph_v1_GetTransactionStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _aurigraph_v1_GetTransactionStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _aurigraph_v1_GetTransactionStatusRequest, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Status reports where a transaction is: pending (accepted, not yet in a
   * block), committed or failed. NOT_FOUND as for Get.
   */
  status(argument: _aurigraph_v1_GetTransactionStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _aurigraph_v1_GetTransactionStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _aurigraph_v1_GetTransactionStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _aurigraph_v1_GetTransactionStatusRequest, callback: grpc.requestCallback<_aurigraph_v1_GetTransactionStatusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Submit writes one transaction and answers once it is durably in the
   * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
   * ALREADY_EXISTS means the chain holds it already, with a
   * google.rpc.ErrorInfo whose metadata gives its id, height and status.
   */
  Submit(argument: _aurigraph_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _aurigraph_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _aurigraph_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _aurigraph_v1_SubmitRequest, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Submit writes one transaction and answers once it is durably in the
   * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
   * ALREADY_EXISTS means the chain holds it already, with a
   * google.rpc.ErrorInfo whose metadata gives its id, height and status.
   */
  submit(argument: _aurigraph_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _aurigraph_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _aurigraph_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _aurigraph_v1_SubmitRequest, callback: grpc.requestCallback<_aurigraph_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * SubmitBatch writes up to 10,000 transactions at once, all or none: if
   * one is invalid, none is written and the error names its index. Those
   * the chain holds already are not written again and are listed in
   * `existing`; when all are, the call fails with ALREADY_EXISTS.
   */
  SubmitBatch(argument: _aurigraph_v1_SubmitBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  SubmitBatch(argument: _aurigraph_v1_SubmitBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  SubmitBatch(argument: _aurigraph_v1_SubmitBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  SubmitBatch(argument: _aurigraph_v1_SubmitBatchRequest, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * SubmitBatch writes up to 10,000 transactions at once, all or none: if
   * one is invalid, none is written and the error names its index. Those
   * the chain holds already are not written again and are listed in
   * `existing`; when all are, the call fails with ALREADY_EXISTS.
   */
  submitBatch(argument: _aurigraph_v1_SubmitBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  submitBatch(argument: _aurigraph_v1_SubmitBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  submitBatch(argument: _aurigraph_v1_SubmitBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  submitBatch(argument: _aurigraph_v1_SubmitBatchRequest, callback: grpc.requestCallback<_aurigraph_v1_SubmitBatchResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * SubmitStream accepts any number of transactions, in messages of up to
   * 10,000 each. Each message is written as SubmitBatch writes it, before the
   * next is read (an empty message is skipped); the answer comes when the
   * client closes its side. An invalid transaction ends the call, and the
   * messages before it stay written.
   */
  SubmitStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  SubmitStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  SubmitStream(options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  SubmitStream(callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  /**
   * SubmitStream accepts any number of transactions, in messages of up to
   * 10,000 each. Each message is written as SubmitBatch writes it, before the
   * next is read (an empty message is skipped); the answer comes when the
   * client closes its side. An invalid transaction ends the call, and the
   * messages before it stay written.
   */
  submitStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  submitStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  submitStream(options: grpc.CallOptions, callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  submitStream(callback: grpc.requestCallback<_aurigraph_v1_SubmitStreamResponse__Output>): grpc.ClientWritableStream<_aurigraph_v1_SubmitStreamRequest>;
  
}

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
export interface TransactionServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Get returns a committed transaction with its outcome and position.
   * NOT_FOUND when the id is neither in the chain nor pending.
   */
  Get: grpc.handleUnaryCall<_aurigraph_v1_GetTransactionRequest__Output, _aurigraph_v1_GetTransactionResponse>;
  
  /**
   * Status reports where a transaction is: pending (accepted, not yet in a
   * block), committed or failed. NOT_FOUND as for Get.
   */
  Status: grpc.handleUnaryCall<_aurigraph_v1_GetTransactionStatusRequest__Output, _aurigraph_v1_GetTransactionStatusResponse>;
  
  /**
   * Submit writes one transaction and answers once it is durably in the
   * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
   * ALREADY_EXISTS means the chain holds it already, with a
   * google.rpc.ErrorInfo whose metadata gives its id, height and status.
   */
  Submit: grpc.handleUnaryCall<_aurigraph_v1_SubmitRequest__Output, _aurigraph_v1_SubmitResponse>;
  
  /**
   * SubmitBatch writes up to 10,000 transactions at once, all or none: if
   * one is invalid, none is written and the error names its index. Those
   * the chain holds already are not written again and are listed in
   * `existing`; when all are, the call fails with ALREADY_EXISTS.
   */
  SubmitBatch: grpc.handleUnaryCall<_aurigraph_v1_SubmitBatchRequest__Output, _aurigraph_v1_SubmitBatchResponse>;
  
  /**
   * SubmitStream accepts any number of transactions, in messages of up to
   * 10,000 each. Each message is written as SubmitBatch writes it, before the
   * next is read (an empty message is skipped); the answer comes when the
   * client closes its side. An invalid transaction ends the call, and the
   * messages before it stay written.
   */
  SubmitStream: grpc.handleClientStreamingCall<_aurigraph_v1_SubmitStreamRequest__Output, _aurigraph_v1_SubmitStreamResponse>;
  
}

export interface TransactionServiceDefinition extends grpc.ServiceDefinition {
  Get: MethodDefinition<_aurigraph_v1_GetTransactionRequest, _aurigraph_v1_GetTransactionResponse, _aurigraph_v1_GetTransactionRequest__Output, _aurigraph_v1_GetTransactionResponse__Output>
  Status: MethodDefinition<_aurigraph_v1_GetTransactionStatusRequest, _aurigraph_v1_GetTransactionStatusResponse, _aurigraph_v1_GetTransactionStatusRequest__Output, _aurigraph_v1_GetTransactionStatusResponse__Output>
  Submit: MethodDefinition<_aurigraph_v1_SubmitRequest, _aurigraph_v1_SubmitResponse, _aurigraph_v1_SubmitRequest__Output, _aurigraph_v1_SubmitResponse__Output>
  SubmitBatch: MethodDefinition<_aurigraph_v1_SubmitBatchRequest, _aurigraph_v1_SubmitBatchResponse, _aurigraph_v1_SubmitBatchRequest__Output, _aurigraph_v1_SubmitBatchResponse__Output>
  SubmitStream: MethodDefinition<_aurigraph_v1_SubmitStreamRequest, _aurigraph_v1_SubmitStreamResponse, _aurigraph_v1_SubmitStreamRequest__Output, _aurigraph_v1_SubmitStreamResponse__Output>
}
