package io.aurigraph.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * PerformanceService reports throughput and latency now (from the live
 * stream of blocks) and over time (from the analytics projection). Series
 * and Forecast answer UNAVAILABLE where no projection is configured.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class PerformanceServiceGrpc {

  private PerformanceServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "aurigraph.v1.PerformanceService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetCurrentPerformanceRequest,
      io.aurigraph.v1.GetCurrentPerformanceResponse> getCurrentMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Current",
      requestType = io.aurigraph.v1.GetCurrentPerformanceRequest.class,
      responseType = io.aurigraph.v1.GetCurrentPerformanceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetCurrentPerformanceRequest,
      io.aurigraph.v1.GetCurrentPerformanceResponse> getCurrentMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetCurrentPerformanceRequest, io.aurigraph.v1.GetCurrentPerformanceResponse> getCurrentMethod;
    if ((getCurrentMethod = PerformanceServiceGrpc.getCurrentMethod) == null) {
      synchronized (PerformanceServiceGrpc.class) {
        if ((getCurrentMethod = PerformanceServiceGrpc.getCurrentMethod) == null) {
          PerformanceServiceGrpc.getCurrentMethod = getCurrentMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetCurrentPerformanceRequest, io.aurigraph.v1.GetCurrentPerformanceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Current"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetCurrentPerformanceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetCurrentPerformanceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PerformanceServiceMethodDescriptorSupplier("Current"))
              .build();
        }
      }
    }
    return getCurrentMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetSeriesRequest,
      io.aurigraph.v1.GetSeriesResponse> getSeriesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Series",
      requestType = io.aurigraph.v1.GetSeriesRequest.class,
      responseType = io.aurigraph.v1.GetSeriesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetSeriesRequest,
      io.aurigraph.v1.GetSeriesResponse> getSeriesMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetSeriesRequest, io.aurigraph.v1.GetSeriesResponse> getSeriesMethod;
    if ((getSeriesMethod = PerformanceServiceGrpc.getSeriesMethod) == null) {
      synchronized (PerformanceServiceGrpc.class) {
        if ((getSeriesMethod = PerformanceServiceGrpc.getSeriesMethod) == null) {
          PerformanceServiceGrpc.getSeriesMethod = getSeriesMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetSeriesRequest, io.aurigraph.v1.GetSeriesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Series"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetSeriesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetSeriesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PerformanceServiceMethodDescriptorSupplier("Series"))
              .build();
        }
      }
    }
    return getSeriesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetForecastRequest,
      io.aurigraph.v1.GetForecastResponse> getForecastMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Forecast",
      requestType = io.aurigraph.v1.GetForecastRequest.class,
      responseType = io.aurigraph.v1.GetForecastResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetForecastRequest,
      io.aurigraph.v1.GetForecastResponse> getForecastMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetForecastRequest, io.aurigraph.v1.GetForecastResponse> getForecastMethod;
    if ((getForecastMethod = PerformanceServiceGrpc.getForecastMethod) == null) {
      synchronized (PerformanceServiceGrpc.class) {
        if ((getForecastMethod = PerformanceServiceGrpc.getForecastMethod) == null) {
          PerformanceServiceGrpc.getForecastMethod = getForecastMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetForecastRequest, io.aurigraph.v1.GetForecastResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Forecast"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetForecastRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetForecastResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PerformanceServiceMethodDescriptorSupplier("Forecast"))
              .build();
        }
      }
    }
    return getForecastMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static PerformanceServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceStub>() {
        @java.lang.Override
        public PerformanceServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PerformanceServiceStub(channel, callOptions);
        }
      };
    return PerformanceServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static PerformanceServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceBlockingV2Stub>() {
        @java.lang.Override
        public PerformanceServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PerformanceServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return PerformanceServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static PerformanceServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceBlockingStub>() {
        @java.lang.Override
        public PerformanceServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PerformanceServiceBlockingStub(channel, callOptions);
        }
      };
    return PerformanceServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static PerformanceServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PerformanceServiceFutureStub>() {
        @java.lang.Override
        public PerformanceServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PerformanceServiceFutureStub(channel, callOptions);
        }
      };
    return PerformanceServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * PerformanceService reports throughput and latency now (from the live
   * stream of blocks) and over time (from the analytics projection). Series
   * and Forecast answer UNAVAILABLE where no projection is configured.
   * </pre>
   */
  public interface AsyncService {

    /**
     */
    default void current(io.aurigraph.v1.GetCurrentPerformanceRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetCurrentPerformanceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCurrentMethod(), responseObserver);
    }

    /**
     */
    default void series(io.aurigraph.v1.GetSeriesRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetSeriesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSeriesMethod(), responseObserver);
    }

    /**
     */
    default void forecast(io.aurigraph.v1.GetForecastRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetForecastResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getForecastMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service PerformanceService.
   * <pre>
   * PerformanceService reports throughput and latency now (from the live
   * stream of blocks) and over time (from the analytics projection). Series
   * and Forecast answer UNAVAILABLE where no projection is configured.
   * </pre>
   */
  public static abstract class PerformanceServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return PerformanceServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service PerformanceService.
   * <pre>
   * PerformanceService reports throughput and latency now (from the live
   * stream of blocks) and over time (from the analytics projection). Series
   * and Forecast answer UNAVAILABLE where no projection is configured.
   * </pre>
   */
  public static final class PerformanceServiceStub
      extends io.grpc.stub.AbstractAsyncStub<PerformanceServiceStub> {
    private PerformanceServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PerformanceServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PerformanceServiceStub(channel, callOptions);
    }

    /**
     */
    public void current(io.aurigraph.v1.GetCurrentPerformanceRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetCurrentPerformanceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCurrentMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void series(io.aurigraph.v1.GetSeriesRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetSeriesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSeriesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void forecast(io.aurigraph.v1.GetForecastRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetForecastResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getForecastMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service PerformanceService.
   * <pre>
   * PerformanceService reports throughput and latency now (from the live
   * stream of blocks) and over time (from the analytics projection). Series
   * and Forecast answer UNAVAILABLE where no projection is configured.
   * </pre>
   */
  public static final class PerformanceServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<PerformanceServiceBlockingV2Stub> {
    private PerformanceServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PerformanceServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PerformanceServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     */
    public io.aurigraph.v1.GetCurrentPerformanceResponse current(io.aurigraph.v1.GetCurrentPerformanceRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCurrentMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.GetSeriesResponse series(io.aurigraph.v1.GetSeriesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSeriesMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.GetForecastResponse forecast(io.aurigraph.v1.GetForecastRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getForecastMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service PerformanceService.
   * <pre>
   * PerformanceService reports throughput and latency now (from the live
   * stream of blocks) and over time (from the analytics projection). Series
   * and Forecast answer UNAVAILABLE where no projection is configured.
   * </pre>
   */
  public static final class PerformanceServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<PerformanceServiceBlockingStub> {
    private PerformanceServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PerformanceServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PerformanceServiceBlockingStub(channel, callOptions);
    }

    /**
     */
    public io.aurigraph.v1.GetCurrentPerformanceResponse current(io.aurigraph.v1.GetCurrentPerformanceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCurrentMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.GetSeriesResponse series(io.aurigraph.v1.GetSeriesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSeriesMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.GetForecastResponse forecast(io.aurigraph.v1.GetForecastRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getForecastMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service PerformanceService.
   * <pre>
   * PerformanceService reports throughput and latency now (from the live
   * stream of blocks) and over time (from the analytics projection). Series
   * and Forecast answer UNAVAILABLE where no projection is configured.
   * </pre>
   */
  public static final class PerformanceServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<PerformanceServiceFutureStub> {
    private PerformanceServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PerformanceServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PerformanceServiceFutureStub(channel, callOptions);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetCurrentPerformanceResponse> current(
        io.aurigraph.v1.GetCurrentPerformanceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCurrentMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetSeriesResponse> series(
        io.aurigraph.v1.GetSeriesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSeriesMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetForecastResponse> forecast(
        io.aurigraph.v1.GetForecastRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getForecastMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CURRENT = 0;
  private static final int METHODID_SERIES = 1;
  private static final int METHODID_FORECAST = 2;

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
        case METHODID_CURRENT:
          serviceImpl.current((io.aurigraph.v1.GetCurrentPerformanceRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetCurrentPerformanceResponse>) responseObserver);
          break;
        case METHODID_SERIES:
          serviceImpl.series((io.aurigraph.v1.GetSeriesRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetSeriesResponse>) responseObserver);
          break;
        case METHODID_FORECAST:
          serviceImpl.forecast((io.aurigraph.v1.GetForecastRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetForecastResponse>) responseObserver);
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
          getCurrentMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetCurrentPerformanceRequest,
              io.aurigraph.v1.GetCurrentPerformanceResponse>(
                service, METHODID_CURRENT)))
        .addMethod(
          getSeriesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetSeriesRequest,
              io.aurigraph.v1.GetSeriesResponse>(
                service, METHODID_SERIES)))
        .addMethod(
          getForecastMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetForecastRequest,
              io.aurigraph.v1.GetForecastResponse>(
                service, METHODID_FORECAST)))
        .build();
  }

  private static abstract class PerformanceServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    PerformanceServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.aurigraph.v1.PerformanceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("PerformanceService");
    }
  }

  private static final class PerformanceServiceFileDescriptorSupplier
      extends PerformanceServiceBaseDescriptorSupplier {
    PerformanceServiceFileDescriptorSupplier() {}
  }

  private static final class PerformanceServiceMethodDescriptorSupplier
      extends PerformanceServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    PerformanceServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (PerformanceServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new PerformanceServiceFileDescriptorSupplier())
              .addMethod(getCurrentMethod())
              .addMethod(getSeriesMethod())
              .addMethod(getForecastMethod())
              .build();
        }
      }
    }
    return result;
  }
}
