package io.aurigraph.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * BlockService reads committed blocks. Reads are linearizable unless a
 * request sets stale: they see every block committed before the request.
 * UNAVAILABLE means no leader answered in time or the validator is still
 * fetching the blocks asked for; retry, or set stale.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class BlockServiceGrpc {

  private BlockServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "aurigraph.v1.BlockService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetBlockRequest,
      io.aurigraph.v1.GetBlockResponse> getGetMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Get",
      requestType = io.aurigraph.v1.GetBlockRequest.class,
      responseType = io.aurigraph.v1.GetBlockResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetBlockRequest,
      io.aurigraph.v1.GetBlockResponse> getGetMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetBlockRequest, io.aurigraph.v1.GetBlockResponse> getGetMethod;
    if ((getGetMethod = BlockServiceGrpc.getGetMethod) == null) {
      synchronized (BlockServiceGrpc.class) {
        if ((getGetMethod = BlockServiceGrpc.getGetMethod) == null) {
          BlockServiceGrpc.getGetMethod = getGetMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetBlockRequest, io.aurigraph.v1.GetBlockResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Get"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetBlockRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetBlockResponse.getDefaultInstance()))
              .setSchemaDescriptor(new BlockServiceMethodDescriptorSupplier("Get"))
              .build();
        }
      }
    }
    return getGetMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.ListBlocksRequest,
      io.aurigraph.v1.ListBlocksResponse> getListMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "List",
      requestType = io.aurigraph.v1.ListBlocksRequest.class,
      responseType = io.aurigraph.v1.ListBlocksResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.ListBlocksRequest,
      io.aurigraph.v1.ListBlocksResponse> getListMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.ListBlocksRequest, io.aurigraph.v1.ListBlocksResponse> getListMethod;
    if ((getListMethod = BlockServiceGrpc.getListMethod) == null) {
      synchronized (BlockServiceGrpc.class) {
        if ((getListMethod = BlockServiceGrpc.getListMethod) == null) {
          BlockServiceGrpc.getListMethod = getListMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.ListBlocksRequest, io.aurigraph.v1.ListBlocksResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "List"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListBlocksRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListBlocksResponse.getDefaultInstance()))
              .setSchemaDescriptor(new BlockServiceMethodDescriptorSupplier("List"))
              .build();
        }
      }
    }
    return getListMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetLatestBlockRequest,
      io.aurigraph.v1.GetLatestBlockResponse> getLatestMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Latest",
      requestType = io.aurigraph.v1.GetLatestBlockRequest.class,
      responseType = io.aurigraph.v1.GetLatestBlockResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetLatestBlockRequest,
      io.aurigraph.v1.GetLatestBlockResponse> getLatestMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetLatestBlockRequest, io.aurigraph.v1.GetLatestBlockResponse> getLatestMethod;
    if ((getLatestMethod = BlockServiceGrpc.getLatestMethod) == null) {
      synchronized (BlockServiceGrpc.class) {
        if ((getLatestMethod = BlockServiceGrpc.getLatestMethod) == null) {
          BlockServiceGrpc.getLatestMethod = getLatestMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetLatestBlockRequest, io.aurigraph.v1.GetLatestBlockResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Latest"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetLatestBlockRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetLatestBlockResponse.getDefaultInstance()))
              .setSchemaDescriptor(new BlockServiceMethodDescriptorSupplier("Latest"))
              .build();
        }
      }
    }
    return getLatestMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static BlockServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BlockServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BlockServiceStub>() {
        @java.lang.Override
        public BlockServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BlockServiceStub(channel, callOptions);
        }
      };
    return BlockServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static BlockServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BlockServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BlockServiceBlockingV2Stub>() {
        @java.lang.Override
        public BlockServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BlockServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return BlockServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static BlockServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BlockServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BlockServiceBlockingStub>() {
        @java.lang.Override
        public BlockServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BlockServiceBlockingStub(channel, callOptions);
        }
      };
    return BlockServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static BlockServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BlockServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BlockServiceFutureStub>() {
        @java.lang.Override
        public BlockServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BlockServiceFutureStub(channel, callOptions);
        }
      };
    return BlockServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * BlockService reads committed blocks. Reads are linearizable unless a
   * request sets stale: they see every block committed before the request.
   * UNAVAILABLE means no leader answered in time or the validator is still
   * fetching the blocks asked for; retry, or set stale.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Get returns one block by height or by hash.
     * </pre>
     */
    default void get(io.aurigraph.v1.GetBlockRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetBlockResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetMethod(), responseObserver);
    }

    /**
     * <pre>
     * List returns consecutive blocks from from_height, at most limit of them.
     * </pre>
     */
    default void list(io.aurigraph.v1.ListBlocksRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListBlocksResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListMethod(), responseObserver);
    }

    /**
     * <pre>
     * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
     * </pre>
     */
    default void latest(io.aurigraph.v1.GetLatestBlockRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetLatestBlockResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLatestMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service BlockService.
   * <pre>
   * BlockService reads committed blocks. Reads are linearizable unless a
   * request sets stale: they see every block committed before the request.
   * UNAVAILABLE means no leader answered in time or the validator is still
   * fetching the blocks asked for; retry, or set stale.
   * </pre>
   */
  public static abstract class BlockServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return BlockServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service BlockService.
   * <pre>
   * BlockService reads committed blocks. Reads are linearizable unless a
   * request sets stale: they see every block committed before the request.
   * UNAVAILABLE means no leader answered in time or the validator is still
   * fetching the blocks asked for; retry, or set stale.
   * </pre>
   */
  public static final class BlockServiceStub
      extends io.grpc.stub.AbstractAsyncStub<BlockServiceStub> {
    private BlockServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BlockServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BlockServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Get returns one block by height or by hash.
     * </pre>
     */
    public void get(io.aurigraph.v1.GetBlockRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetBlockResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * List returns consecutive blocks from from_height, at most limit of them.
     * </pre>
     */
    public void list(io.aurigraph.v1.ListBlocksRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListBlocksResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
     * </pre>
     */
    public void latest(io.aurigraph.v1.GetLatestBlockRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetLatestBlockResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLatestMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service BlockService.
   * <pre>
   * BlockService reads committed blocks. Reads are linearizable unless a
   * request sets stale: they see every block committed before the request.
   * UNAVAILABLE means no leader answered in time or the validator is still
   * fetching the blocks asked for; retry, or set stale.
   * </pre>
   */
  public static final class BlockServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<BlockServiceBlockingV2Stub> {
    private BlockServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BlockServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BlockServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Get returns one block by height or by hash.
     * </pre>
     */
    public io.aurigraph.v1.GetBlockResponse get(io.aurigraph.v1.GetBlockRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * List returns consecutive blocks from from_height, at most limit of them.
     * </pre>
     */
    public io.aurigraph.v1.ListBlocksResponse list(io.aurigraph.v1.ListBlocksRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
     * </pre>
     */
    public io.aurigraph.v1.GetLatestBlockResponse latest(io.aurigraph.v1.GetLatestBlockRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getLatestMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service BlockService.
   * <pre>
   * BlockService reads committed blocks. Reads are linearizable unless a
   * request sets stale: they see every block committed before the request.
   * UNAVAILABLE means no leader answered in time or the validator is still
   * fetching the blocks asked for; retry, or set stale.
   * </pre>
   */
  public static final class BlockServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<BlockServiceBlockingStub> {
    private BlockServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BlockServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BlockServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Get returns one block by height or by hash.
     * </pre>
     */
    public io.aurigraph.v1.GetBlockResponse get(io.aurigraph.v1.GetBlockRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * List returns consecutive blocks from from_height, at most limit of them.
     * </pre>
     */
    public io.aurigraph.v1.ListBlocksResponse list(io.aurigraph.v1.ListBlocksRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
     * </pre>
     */
    public io.aurigraph.v1.GetLatestBlockResponse latest(io.aurigraph.v1.GetLatestBlockRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLatestMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service BlockService.
   * <pre>
   * BlockService reads committed blocks. Reads are linearizable unless a
   * request sets stale: they see every block committed before the request.
   * UNAVAILABLE means no leader answered in time or the validator is still
   * fetching the blocks asked for; retry, or set stale.
   * </pre>
   */
  public static final class BlockServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<BlockServiceFutureStub> {
    private BlockServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BlockServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BlockServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Get returns one block by height or by hash.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetBlockResponse> get(
        io.aurigraph.v1.GetBlockRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * List returns consecutive blocks from from_height, at most limit of them.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.ListBlocksResponse> list(
        io.aurigraph.v1.ListBlocksRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Latest returns the head of the chain; NOT_FOUND while the chain is empty.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetLatestBlockResponse> latest(
        io.aurigraph.v1.GetLatestBlockRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLatestMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET = 0;
  private static final int METHODID_LIST = 1;
  private static final int METHODID_LATEST = 2;

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
        case METHODID_GET:
          serviceImpl.get((io.aurigraph.v1.GetBlockRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetBlockResponse>) responseObserver);
          break;
        case METHODID_LIST:
          serviceImpl.list((io.aurigraph.v1.ListBlocksRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.ListBlocksResponse>) responseObserver);
          break;
        case METHODID_LATEST:
          serviceImpl.latest((io.aurigraph.v1.GetLatestBlockRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetLatestBlockResponse>) responseObserver);
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
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getGetMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetBlockRequest,
              io.aurigraph.v1.GetBlockResponse>(
                service, METHODID_GET)))
        .addMethod(
          getListMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.ListBlocksRequest,
              io.aurigraph.v1.ListBlocksResponse>(
                service, METHODID_LIST)))
        .addMethod(
          getLatestMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetLatestBlockRequest,
              io.aurigraph.v1.GetLatestBlockResponse>(
                service, METHODID_LATEST)))
        .build();
  }

  private static abstract class BlockServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    BlockServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.aurigraph.v1.BlockProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("BlockService");
    }
  }

  private static final class BlockServiceFileDescriptorSupplier
      extends BlockServiceBaseDescriptorSupplier {
    BlockServiceFileDescriptorSupplier() {}
  }

  private static final class BlockServiceMethodDescriptorSupplier
      extends BlockServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    BlockServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (BlockServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new BlockServiceFileDescriptorSupplier())
              .addMethod(getGetMethod())
              .addMethod(getListMethod())
              .addMethod(getLatestMethod())
              .build();
        }
      }
    }
    return result;
  }
}
