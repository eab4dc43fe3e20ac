package io.aurigraph.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * TransactionService writes transactions to the transaction log and reads
 * back what became of them.
 * A transaction's id is derived from its content (schemas.TxID: hex sha256
 * of its canonical encoding), so nobody can take the id another sender's
 * transaction will have. Leave id empty, or set it to that value; any other
 * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
 * gets the same id and the chain commits an id at most once, so a client may
 * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class TransactionServiceGrpc {

  private TransactionServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "aurigraph.v1.TransactionService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitRequest,
      io.aurigraph.v1.SubmitResponse> getSubmitMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Submit",
      requestType = io.aurigraph.v1.SubmitRequest.class,
      responseType = io.aurigraph.v1.SubmitResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitRequest,
      io.aurigraph.v1.SubmitResponse> getSubmitMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitRequest, io.aurigraph.v1.SubmitResponse> getSubmitMethod;
    if ((getSubmitMethod = TransactionServiceGrpc.getSubmitMethod) == null) {
      synchronized (TransactionServiceGrpc.class) {
        if ((getSubmitMethod = TransactionServiceGrpc.getSubmitMethod) == null) {
          TransactionServiceGrpc.getSubmitMethod = getSubmitMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.SubmitRequest, io.aurigraph.v1.SubmitResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Submit"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.SubmitRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.SubmitResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TransactionServiceMethodDescriptorSupplier("Submit"))
              .build();
        }
      }
    }
    return getSubmitMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitBatchRequest,
      io.aurigraph.v1.SubmitBatchResponse> getSubmitBatchMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubmitBatch",
      requestType = io.aurigraph.v1.SubmitBatchRequest.class,
      responseType = io.aurigraph.v1.SubmitBatchResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitBatchRequest,
      io.aurigraph.v1.SubmitBatchResponse> getSubmitBatchMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitBatchRequest, io.aurigraph.v1.SubmitBatchResponse> getSubmitBatchMethod;
    if ((getSubmitBatchMethod = TransactionServiceGrpc.getSubmitBatchMethod) == null) {
      synchronized (TransactionServiceGrpc.class) {
        if ((getSubmitBatchMethod = TransactionServiceGrpc.getSubmitBatchMethod) == null) {
          TransactionServiceGrpc.getSubmitBatchMethod = getSubmitBatchMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.SubmitBatchRequest, io.aurigraph.v1.SubmitBatchResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubmitBatch"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.SubmitBatchRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.SubmitBatchResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TransactionServiceMethodDescriptorSupplier("SubmitBatch"))
              .build();
        }
      }
    }
    return getSubmitBatchMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitStreamRequest,
      io.aurigraph.v1.SubmitStreamResponse> getSubmitStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubmitStream",
      requestType = io.aurigraph.v1.SubmitStreamRequest.class,
      responseType = io.aurigraph.v1.SubmitStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitStreamRequest,
      io.aurigraph.v1.SubmitStreamResponse> getSubmitStreamMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.SubmitStreamRequest, io.aurigraph.v1.SubmitStreamResponse> getSubmitStreamMethod;
    if ((getSubmitStreamMethod = TransactionServiceGrpc.getSubmitStreamMethod) == null) {
      synchronized (TransactionServiceGrpc.class) {
        if ((getSubmitStreamMethod = TransactionServiceGrpc.getSubmitStreamMethod) == null) {
          TransactionServiceGrpc.getSubmitStreamMethod = getSubmitStreamMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.SubmitStreamRequest, io.aurigraph.v1.SubmitStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubmitStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.SubmitStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.SubmitStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TransactionServiceMethodDescriptorSupplier("SubmitStream"))
              .build();
        }
      }
    }
    return getSubmitStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetTransactionRequest,
      io.aurigraph.v1.GetTransactionResponse> getGetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Get",
      requestType = io.aurigraph.v1.GetTransactionRequest.class,
      responseType = io.aurigraph.v1.GetTransactionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetTransactionRequest,
      io.aurigraph.v1.GetTransactionResponse> getGetMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetTransactionRequest, io.aurigraph.v1.GetTransactionResponse> getGetMethod;
    if ((getGetMethod = TransactionServiceGrpc.getGetMethod) == null) {
      synchronized (TransactionServiceGrpc.class) {
        if ((getGetMethod = TransactionServiceGrpc.getGetMethod) == null) {
          TransactionServiceGrpc.getGetMethod = getGetMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetTransactionRequest, io.aurigraph.v1.GetTransactionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Get"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetTransactionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetTransactionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TransactionServiceMethodDescriptorSupplier("Get"))
              .build();
        }
      }
    }
    return getGetMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetTransactionStatusRequest,
      io.aurigraph.v1.GetTransactionStatusResponse> getStatusMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Status",
      requestType = io.aurigraph.v1.GetTransactionStatusRequest.class,
      responseType = io.aurigraph.v1.GetTransactionStatusResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetTransactionStatusRequest,
      io.aurigraph.v1.GetTransactionStatusResponse> getStatusMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetTransactionStatusRequest, io.aurigraph.v1.GetTransactionStatusResponse> getStatusMethod;
    if ((getStatusMethod = TransactionServiceGrpc.getStatusMethod) == null) {
      synchronized (TransactionServiceGrpc.class) {
        if ((getStatusMethod = TransactionServiceGrpc.getStatusMethod) == null) {
          TransactionServiceGrpc.getStatusMethod = getStatusMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetTransactionStatusRequest, io.aurigraph.v1.GetTransactionStatusResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Status"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetTransactionStatusRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetTransactionStatusResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TransactionServiceMethodDescriptorSupplier("Status"))
              .build();
        }
      }
    }
    return getStatusMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static TransactionServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TransactionServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TransactionServiceStub>() {
        @java.lang.Override
        public TransactionServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TransactionServiceStub(channel, callOptions);
        }
      };
    return TransactionServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static TransactionServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TransactionServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TransactionServiceBlockingV2Stub>() {
        @java.lang.Override
        public TransactionServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TransactionServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return TransactionServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static TransactionServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TransactionServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TransactionServiceBlockingStub>() {
        @java.lang.Override
        public TransactionServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TransactionServiceBlockingStub(channel, callOptions);
        }
      };
    return TransactionServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static TransactionServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TransactionServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TransactionServiceFutureStub>() {
        @java.lang.Override
        public TransactionServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TransactionServiceFutureStub(channel, callOptions);
        }
      };
    return TransactionServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * TransactionService writes transactions to the transaction log and reads
   * back what became of them.
   * A transaction's id is derived from its content (schemas.TxID: hex sha256
   * of its canonical encoding), so nobody can take the id another sender's
   * transaction will have. Leave id empty, or set it to that value; any other
   * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
   * gets the same id and the chain commits an id at most once, so a client may
   * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Submit writes one transaction and answers once it is durably in the
     * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
     * ALREADY_EXISTS means the chain holds it already, with a
     * google.rpc.ErrorInfo whose metadata gives its id, height and status.
     * </pre>
     */
    default void submit(io.aurigraph.v1.SubmitRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubmitMethod(), responseObserver);
    }

    /**
     * <pre>
     * SubmitBatch writes up to 10,000 transactions at once, all or none: if
     * one is invalid, none is written and the error names its index. Those
     * the chain holds already are not written again and are listed in
     * `existing`; when all are, the call fails with ALREADY_EXISTS.
     * </pre>
     */
    default void submitBatch(io.aurigraph.v1.SubmitBatchRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitBatchResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubmitBatchMethod(), responseObserver);
    }

    /**
     * <pre>
     * SubmitStream accepts any number of transactions, in messages of up to
     * 10,000 each. Each message is written as SubmitBatch writes it, before the
     * next is read (an empty message is skipped); the answer comes when the
     * client closes its side. An invalid transaction ends the call, and the
     * messages before it stay written.
     * </pre>
     */
    default io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitStreamRequest> submitStream(
        io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitStreamResponse> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getSubmitStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * Get returns a committed transaction with its outcome and position.
     * NOT_FOUND when the id is neither in the chain nor pending.
     * </pre>
     */
    default void get(io.aurigraph.v1.GetTransactionRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetTransactionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetMethod(), responseObserver);
    }

    /**
     * <pre>
     * Status reports where a transaction is: pending (accepted, not yet in a
     * block), committed or failed. NOT_FOUND as for Get.
     * </pre>
     */
    default void status(io.aurigraph.v1.GetTransactionStatusRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetTransactionStatusResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStatusMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service TransactionService.
   * <pre>
   * TransactionService writes transactions to the transaction log and reads
   * back what became of them.
   * A transaction's id is derived from its content (schemas.TxID: hex sha256
   * of its canonical encoding), so nobody can take the id another sender's
   * transaction will have. Leave id empty, or set it to that value; any other
   * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
   * gets the same id and the chain commits an id at most once, so a client may
   * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
   * </pre>
   */
  public static abstract class TransactionServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return TransactionServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service TransactionService.
   * <pre>
   * TransactionService writes transactions to the transaction log and reads
   * back what became of them.
   * A transaction's id is derived from its content (schemas.TxID: hex sha256
   * of its canonical encoding), so nobody can take the id another sender's
   * transaction will have. Leave id empty, or set it to that value; any other
   * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
   * gets the same id and the chain commits an id at most once, so a client may
   * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
   * </pre>
   */
  public static final class TransactionServiceStub
      extends io.grpc.stub.AbstractAsyncStub<TransactionServiceStub> {
    private TransactionServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TransactionServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TransactionServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Submit writes one transaction and answers once it is durably in the
     * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
     * ALREADY_EXISTS means the chain holds it already, with a
     * google.rpc.ErrorInfo whose metadata gives its id, height and status.
     * </pre>
     */
    public void submit(io.aurigraph.v1.SubmitRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSubmitMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * SubmitBatch writes up to 10,000 transactions at once, all or none: if
     * one is invalid, none is written and the error names its index. Those
     * the chain holds already are not written again and are listed in
     * `existing`; when all are, the call fails with ALREADY_EXISTS.
     * </pre>
     */
    public void submitBatch(io.aurigraph.v1.SubmitBatchRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitBatchResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSubmitBatchMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * SubmitStream accepts any number of transactions, in messages of up to
     * 10,000 each. Each message is written as SubmitBatch writes it, before the
     * next is read (an empty message is skipped); the answer comes when the
     * client closes its side. An invalid transaction ends the call, and the
     * messages before it stay written.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitStreamRequest> submitStream(
        io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitStreamResponse> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncClientStreamingCall(
          getChannel().newCall(getSubmitStreamMethod(), getCallOptions()), responseObserver);
    }

    /**
     * <pre>
     * Get returns a committed transaction with its outcome and position.
     * NOT_FOUND when the id is neither in the chain nor pending.
     * </pre>
     */
    public void get(io.aurigraph.v1.GetTransactionRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetTransactionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Status reports where a transaction is: pending (accepted, not yet in a
     * block), committed or failed. NOT_FOUND as for Get.
     * </pre>
     */
    public void status(io.aurigraph.v1.GetTransactionStatusRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetTransactionStatusResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStatusMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service TransactionService.
   * <pre>
   * TransactionService writes transactions to the transaction log and reads
   * back what became of them.
   * A transaction's id is derived from its content (schemas.TxID: hex sha256
   * of its canonical encoding), so nobody can take the id another sender's
   * transaction will have. Leave id empty, or set it to that value; any other
   * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
   * gets the same id and the chain commits an id at most once, so a client may
   * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
   * </pre>
   */
  public static final class TransactionServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<TransactionServiceBlockingV2Stub> {
    private TransactionServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TransactionServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TransactionServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Submit writes one transaction and answers once it is durably in the
     * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
     * ALREADY_EXISTS means the chain holds it already, with a
     * google.rpc.ErrorInfo whose metadata gives its id, height and status.
     * </pre>
     */
    public io.aurigraph.v1.SubmitResponse submit(io.aurigraph.v1.SubmitRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSubmitMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * SubmitBatch writes up to 10,000 transactions at once, all or none: if
     * one is invalid, none is written and the error names its index. Those
     * the chain holds already are not written again and are listed in
     * `existing`; when all are, the call fails with ALREADY_EXISTS.
     * </pre>
     */
    public io.aurigraph.v1.SubmitBatchResponse submitBatch(io.aurigraph.v1.SubmitBatchRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSubmitBatchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * SubmitStream accepts any number of transactions, in messages of up to
     * 10,000 each. Each message is written as SubmitBatch writes it, before the
     * next is read (an empty message is skipped); the answer comes when the
     * client closes its side. An invalid transaction ends the call, and the
     * messages before it stay written.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<io.aurigraph.v1.SubmitStreamRequest, io.aurigraph.v1.SubmitStreamResponse>
        submitStream() {
      return io.grpc.stub.ClientCalls.blockingClientStreamingCall(
          getChannel(), getSubmitStreamMethod(), getCallOptions());
    }

    /**
     * <pre>
     * Get returns a committed transaction with its outcome and position.
     * NOT_FOUND when the id is neither in the chain nor pending.
     * </pre>
     */
    public io.aurigraph.v1.GetTransactionResponse get(io.aurigraph.v1.GetTransactionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Status reports where a transaction is: pending (accepted, not yet in a
     * block), committed or failed. NOT_FOUND as for Get.
     * </pre>
     */
    public io.aurigraph.v1.GetTransactionStatusResponse status(io.aurigraph.v1.GetTransactionStatusRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getStatusMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service TransactionService.
   * <pre>
   * TransactionService writes transactions to the transaction log and reads
   * back what became of them.
   * A transaction's id is derived from its content (schemas.TxID: hex sha256
   * of its canonical encoding), so nobody can take the id another sender's
   * transaction will have. Leave id empty, or set it to that value; any other
   * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
   * gets the same id and the chain commits an id at most once, so a client may
   * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
   * </pre>
   */
  public static final class TransactionServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<TransactionServiceBlockingStub> {
    private TransactionServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TransactionServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TransactionServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Submit writes one transaction and answers once it is durably in the
     * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
     * ALREADY_EXISTS means the chain holds it already, with a
     * google.rpc.ErrorInfo whose metadata gives its id, height and status.
     * </pre>
     */
    public io.aurigraph.v1.SubmitResponse submit(io.aurigraph.v1.SubmitRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSubmitMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * SubmitBatch writes up to 10,000 transactions at once, all or none: if
     * one is invalid, none is written and the error names its index. Those
     * the chain holds already are not written again and are listed in
     * `existing`; when all are, the call fails with ALREADY_EXISTS.
     * </pre>
     */
    public io.aurigraph.v1.SubmitBatchResponse submitBatch(io.aurigraph.v1.SubmitBatchRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSubmitBatchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Get returns a committed transaction with its outcome and position.
     * NOT_FOUND when the id is neither in the chain nor pending.
     * </pre>
     */
    public io.aurigraph.v1.GetTransactionResponse get(io.aurigraph.v1.GetTransactionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Status reports where a transaction is: pending (accepted, not yet in a
     * block), committed or failed. NOT_FOUND as for Get.
     * </pre>
     */
    public io.aurigraph.v1.GetTransactionStatusResponse status(io.aurigraph.v1.GetTransactionStatusRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStatusMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service TransactionService.
   * <pre>
   * TransactionService writes transactions to the transaction log and reads
   * back what became of them.
   * A transaction's id is derived from its content (schemas.TxID: hex sha256
   * of its canonical encoding), so nobody can take the id another sender's
   * transaction will have. Leave id empty, or set it to that value; any other
   * id is INVALID_ARGUMENT. Submitting is idempotent: the same content always
   * gets the same id and the chain commits an id at most once, so a client may
   * retry any Submit call that failed with UNAVAILABLE or DEADLINE_EXCEEDED.
   * </pre>
   */
  public static final class TransactionServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<TransactionServiceFutureStub> {
    private TransactionServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TransactionServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TransactionServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Submit writes one transaction and answers once it is durably in the
     * log. INVALID_ARGUMENT names the offending field (google.rpc.BadRequest);
     * ALREADY_EXISTS means the chain holds it already, with a
     * google.rpc.ErrorInfo whose metadata gives its id, height and status.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.SubmitResponse> submit(
        io.aurigraph.v1.SubmitRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSubmitMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * SubmitBatch writes up to 10,000 transactions at once, all or none: if
     * one is invalid, none is written and the error names its index. Those
     * the chain holds already are not written again and are listed in
     * `existing`; when all are, the call fails with ALREADY_EXISTS.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.SubmitBatchResponse> submitBatch(
        io.aurigraph.v1.SubmitBatchRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSubmitBatchMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Get returns a committed transaction with its outcome and position.
     * NOT_FOUND when the id is neither in the chain nor pending.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetTransactionResponse> get(
        io.aurigraph.v1.GetTransactionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Status reports where a transaction is: pending (accepted, not yet in a
     * block), committed or failed. NOT_FOUND as for Get.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetTransactionStatusResponse> status(
        io.aurigraph.v1.GetTransactionStatusRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStatusMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_SUBMIT = 0;
  private static final int METHODID_SUBMIT_BATCH = 1;
  private static final int METHODID_GET = 2;
  private static final int METHODID_STATUS = 3;
  private static final int METHODID_SUBMIT_STREAM = 4;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SUBMIT:
          serviceImpl.submit((io.aurigraph.v1.SubmitRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitResponse>) responseObserver);
          break;
        case METHODID_SUBMIT_BATCH:
          serviceImpl.submitBatch((io.aurigraph.v1.SubmitBatchRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitBatchResponse>) responseObserver);
          break;
        case METHODID_GET:
          serviceImpl.get((io.aurigraph.v1.GetTransactionRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetTransactionResponse>) responseObserver);
          break;
        case METHODID_STATUS:
          serviceImpl.status((io.aurigraph.v1.GetTransactionStatusRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetTransactionStatusResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SUBMIT_STREAM:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.submitStream(
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.SubmitStreamResponse>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getSubmitMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.SubmitRequest,
              io.aurigraph.v1.SubmitResponse>(
                service, METHODID_SUBMIT)))
        .addMethod(
          getSubmitBatchMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.SubmitBatchRequest,
              io.aurigraph.v1.SubmitBatchResponse>(
                service, METHODID_SUBMIT_BATCH)))
        .addMethod(
          getSubmitStreamMethod(),
          io.grpc.stub.ServerCalls.asyncClientStreamingCall(
            new MethodHandlers<
              io.aurigraph.v1.SubmitStreamRequest,
              io.aurigraph.v1.SubmitStreamResponse>(
                service, METHODID_SUBMIT_STREAM)))
        .addMethod(
          getGetMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetTransactionRequest,
              io.aurigraph.v1.GetTransactionResponse>(
                service, METHODID_GET)))
        .addMethod(
          getStatusMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetTransactionStatusRequest,
              io.aurigraph.v1.GetTransactionStatusResponse>(
                service, METHODID_STATUS)))
        .build();
  }

  private static abstract class TransactionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    TransactionServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.aurigraph.v1.TransactionProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("TransactionService");
    }
  }

  private static final class TransactionServiceFileDescriptorSupplier
      extends TransactionServiceBaseDescriptorSupplier {
    TransactionServiceFileDescriptorSupplier() {}
  }

  private static final class TransactionServiceMethodDescriptorSupplier
      extends TransactionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    TransactionServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (TransactionServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new TransactionServiceFileDescriptorSupplier())
              .addMethod(getSubmitMethod())
              .addMethod(getSubmitBatchMethod())
              .addMethod(getSubmitStreamMethod())
              .addMethod(getGetMethod())
              .addMethod(getStatusMethod())
              .build();
        }
      }
    }
    return result;
  }
}
