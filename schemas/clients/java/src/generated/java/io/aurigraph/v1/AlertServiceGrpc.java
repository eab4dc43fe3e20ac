package io.aurigraph.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * AlertService is the gRPC face of /api/v12/alerts, served by the same
 * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
 * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
 * action (operator role), the history chain.read (viewer). A bad rule is
 * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
 * 100 RESOURCE_EXHAUSTED.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class AlertServiceGrpc {

  private AlertServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "aurigraph.v1.AlertService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.CreateAlertRuleRequest,
      io.aurigraph.v1.CreateAlertRuleResponse> getCreateRuleMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateRule",
      requestType = io.aurigraph.v1.CreateAlertRuleRequest.class,
      responseType = io.aurigraph.v1.CreateAlertRuleResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.CreateAlertRuleRequest,
      io.aurigraph.v1.CreateAlertRuleResponse> getCreateRuleMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.CreateAlertRuleRequest, io.aurigraph.v1.CreateAlertRuleResponse> getCreateRuleMethod;
    if ((getCreateRuleMethod = AlertServiceGrpc.getCreateRuleMethod) == null) {
      synchronized (AlertServiceGrpc.class) {
        if ((getCreateRuleMethod = AlertServiceGrpc.getCreateRuleMethod) == null) {
          AlertServiceGrpc.getCreateRuleMethod = getCreateRuleMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.CreateAlertRuleRequest, io.aurigraph.v1.CreateAlertRuleResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateRule"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.CreateAlertRuleRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.CreateAlertRuleResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AlertServiceMethodDescriptorSupplier("CreateRule"))
              .build();
        }
      }
    }
    return getCreateRuleMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.ListAlertRulesRequest,
      io.aurigraph.v1.ListAlertRulesResponse> getListRulesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListRules",
      requestType = io.aurigraph.v1.ListAlertRulesRequest.class,
      responseType = io.aurigraph.v1.ListAlertRulesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.ListAlertRulesRequest,
      io.aurigraph.v1.ListAlertRulesResponse> getListRulesMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.ListAlertRulesRequest, io.aurigraph.v1.ListAlertRulesResponse> getListRulesMethod;
    if ((getListRulesMethod = AlertServiceGrpc.getListRulesMethod) == null) {
      synchronized (AlertServiceGrpc.class) {
        if ((getListRulesMethod = AlertServiceGrpc.getListRulesMethod) == null) {
          AlertServiceGrpc.getListRulesMethod = getListRulesMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.ListAlertRulesRequest, io.aurigraph.v1.ListAlertRulesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListRules"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListAlertRulesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListAlertRulesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AlertServiceMethodDescriptorSupplier("ListRules"))
              .build();
        }
      }
    }
    return getListRulesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetAlertRuleRequest,
      io.aurigraph.v1.GetAlertRuleResponse> getGetRuleMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetRule",
      requestType = io.aurigraph.v1.GetAlertRuleRequest.class,
      responseType = io.aurigraph.v1.GetAlertRuleResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetAlertRuleRequest,
      io.aurigraph.v1.GetAlertRuleResponse> getGetRuleMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetAlertRuleRequest, io.aurigraph.v1.GetAlertRuleResponse> getGetRuleMethod;
    if ((getGetRuleMethod = AlertServiceGrpc.getGetRuleMethod) == null) {
      synchronized (AlertServiceGrpc.class) {
        if ((getGetRuleMethod = AlertServiceGrpc.getGetRuleMethod) == null) {
          AlertServiceGrpc.getGetRuleMethod = getGetRuleMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetAlertRuleRequest, io.aurigraph.v1.GetAlertRuleResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetRule"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetAlertRuleRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetAlertRuleResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AlertServiceMethodDescriptorSupplier("GetRule"))
              .build();
        }
      }
    }
    return getGetRuleMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.UpdateAlertRuleRequest,
      io.aurigraph.v1.UpdateAlertRuleResponse> getUpdateRuleMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateRule",
      requestType = io.aurigraph.v1.UpdateAlertRuleRequest.class,
      responseType = io.aurigraph.v1.UpdateAlertRuleResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.UpdateAlertRuleRequest,
      io.aurigraph.v1.UpdateAlertRuleResponse> getUpdateRuleMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.UpdateAlertRuleRequest, io.aurigraph.v1.UpdateAlertRuleResponse> getUpdateRuleMethod;
    if ((getUpdateRuleMethod = AlertServiceGrpc.getUpdateRuleMethod) == null) {
      synchronized (AlertServiceGrpc.class) {
        if ((getUpdateRuleMethod = AlertServiceGrpc.getUpdateRuleMethod) == null) {
          AlertServiceGrpc.getUpdateRuleMethod = getUpdateRuleMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.UpdateAlertRuleRequest, io.aurigraph.v1.UpdateAlertRuleResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateRule"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.UpdateAlertRuleRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.UpdateAlertRuleResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AlertServiceMethodDescriptorSupplier("UpdateRule"))
              .build();
        }
      }
    }
    return getUpdateRuleMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.DeleteAlertRuleRequest,
      io.aurigraph.v1.DeleteAlertRuleResponse> getDeleteRuleMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteRule",
      requestType = io.aurigraph.v1.DeleteAlertRuleRequest.class,
      responseType = io.aurigraph.v1.DeleteAlertRuleResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.DeleteAlertRuleRequest,
      io.aurigraph.v1.DeleteAlertRuleResponse> getDeleteRuleMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.DeleteAlertRuleRequest, io.aurigraph.v1.DeleteAlertRuleResponse> getDeleteRuleMethod;
    if ((getDeleteRuleMethod = AlertServiceGrpc.getDeleteRuleMethod) == null) {
      synchronized (AlertServiceGrpc.class) {
        if ((getDeleteRuleMethod = AlertServiceGrpc.getDeleteRuleMethod) == null) {
          AlertServiceGrpc.getDeleteRuleMethod = getDeleteRuleMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.DeleteAlertRuleRequest, io.aurigraph.v1.DeleteAlertRuleResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteRule"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.DeleteAlertRuleRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.DeleteAlertRuleResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AlertServiceMethodDescriptorSupplier("DeleteRule"))
              .build();
        }
      }
    }
    return getDeleteRuleMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.ListAlertHistoryRequest,
      io.aurigraph.v1.ListAlertHistoryResponse> getListHistoryMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListHistory",
      requestType = io.aurigraph.v1.ListAlertHistoryRequest.class,
      responseType = io.aurigraph.v1.ListAlertHistoryResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.ListAlertHistoryRequest,
      io.aurigraph.v1.ListAlertHistoryResponse> getListHistoryMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.ListAlertHistoryRequest, io.aurigraph.v1.ListAlertHistoryResponse> getListHistoryMethod;
    if ((getListHistoryMethod = AlertServiceGrpc.getListHistoryMethod) == null) {
      synchronized (AlertServiceGrpc.class) {
        if ((getListHistoryMethod = AlertServiceGrpc.getListHistoryMethod) == null) {
          AlertServiceGrpc.getListHistoryMethod = getListHistoryMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.ListAlertHistoryRequest, io.aurigraph.v1.ListAlertHistoryResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListHistory"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListAlertHistoryRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListAlertHistoryResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AlertServiceMethodDescriptorSupplier("ListHistory"))
              .build();
        }
      }
    }
    return getListHistoryMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AlertServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AlertServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AlertServiceStub>() {
        @java.lang.Override
        public AlertServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AlertServiceStub(channel, callOptions);
        }
      };
    return AlertServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static AlertServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AlertServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AlertServiceBlockingV2Stub>() {
        @java.lang.Override
        public AlertServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AlertServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return AlertServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AlertServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AlertServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AlertServiceBlockingStub>() {
        @java.lang.Override
        public AlertServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AlertServiceBlockingStub(channel, callOptions);
        }
      };
    return AlertServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AlertServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AlertServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AlertServiceFutureStub>() {
        @java.lang.Override
        public AlertServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AlertServiceFutureStub(channel, callOptions);
        }
      };
    return AlertServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * AlertService is the gRPC face of /api/v12/alerts, served by the same
   * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
   * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
   * action (operator role), the history chain.read (viewer). A bad rule is
   * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
   * 100 RESOURCE_EXHAUSTED.
   * </pre>
   */
  public interface AsyncService {

    /**
     */
    default void createRule(io.aurigraph.v1.CreateAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.CreateAlertRuleResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateRuleMethod(), responseObserver);
    }

    /**
     */
    default void listRules(io.aurigraph.v1.ListAlertRulesRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListAlertRulesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListRulesMethod(), responseObserver);
    }

    /**
     */
    default void getRule(io.aurigraph.v1.GetAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetAlertRuleResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetRuleMethod(), responseObserver);
    }

    /**
     */
    default void updateRule(io.aurigraph.v1.UpdateAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.UpdateAlertRuleResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateRuleMethod(), responseObserver);
    }

    /**
     */
    default void deleteRule(io.aurigraph.v1.DeleteAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.DeleteAlertRuleResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteRuleMethod(), responseObserver);
    }

    /**
     */
    default void listHistory(io.aurigraph.v1.ListAlertHistoryRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListAlertHistoryResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListHistoryMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AlertService.
   * <pre>
   * AlertService is the gRPC face of /api/v12/alerts, served by the same
   * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
   * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
   * action (operator role), the history chain.read (viewer). A bad rule is
   * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
   * 100 RESOURCE_EXHAUSTED.
   * </pre>
   */
  public static abstract class AlertServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AlertServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AlertService.
   * <pre>
   * AlertService is the gRPC face of /api/v12/alerts, served by the same
   * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
   * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
   * action (operator role), the history chain.read (viewer). A bad rule is
   * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
   * 100 RESOURCE_EXHAUSTED.
   * </pre>
   */
  public static final class AlertServiceStub
      extends io.grpc.stub.AbstractAsyncStub<AlertServiceStub> {
    private AlertServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AlertServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AlertServiceStub(channel, callOptions);
    }

    /**
     */
    public void createRule(io.aurigraph.v1.CreateAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.CreateAlertRuleResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateRuleMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void listRules(io.aurigraph.v1.ListAlertRulesRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListAlertRulesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListRulesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void getRule(io.aurigraph.v1.GetAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetAlertRuleResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetRuleMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void updateRule(io.aurigraph.v1.UpdateAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.UpdateAlertRuleResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateRuleMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void deleteRule(io.aurigraph.v1.DeleteAlertRuleRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.DeleteAlertRuleResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteRuleMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     */
    public void listHistory(io.aurigraph.v1.ListAlertHistoryRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListAlertHistoryResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListHistoryMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AlertService.
   * <pre>
   * AlertService is the gRPC face of /api/v12/alerts, served by the same
   * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
   * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
   * action (operator role), the history chain.read (viewer). A bad rule is
   * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
   * 100 RESOURCE_EXHAUSTED.
   * </pre>
   */
  public static final class AlertServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<AlertServiceBlockingV2Stub> {
    private AlertServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AlertServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AlertServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     */
    public io.aurigraph.v1.CreateAlertRuleResponse createRule(io.aurigraph.v1.CreateAlertRuleRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.ListAlertRulesResponse listRules(io.aurigraph.v1.ListAlertRulesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListRulesMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.GetAlertRuleResponse getRule(io.aurigraph.v1.GetAlertRuleRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.UpdateAlertRuleResponse updateRule(io.aurigraph.v1.UpdateAlertRuleRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getUpdateRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.DeleteAlertRuleResponse deleteRule(io.aurigraph.v1.DeleteAlertRuleRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.ListAlertHistoryResponse listHistory(io.aurigraph.v1.ListAlertHistoryRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListHistoryMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service AlertService.
   * <pre>
   * AlertService is the gRPC face of /api/v12/alerts, served by the same
   * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
   * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
   * action (operator role), the history chain.read (viewer). A bad rule is
   * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
   * 100 RESOURCE_EXHAUSTED.
   * </pre>
   */
  public static final class AlertServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AlertServiceBlockingStub> {
    private AlertServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AlertServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AlertServiceBlockingStub(channel, callOptions);
    }

    /**
     */
    public io.aurigraph.v1.CreateAlertRuleResponse createRule(io.aurigraph.v1.CreateAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.ListAlertRulesResponse listRules(io.aurigraph.v1.ListAlertRulesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListRulesMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.GetAlertRuleResponse getRule(io.aurigraph.v1.GetAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.UpdateAlertRuleResponse updateRule(io.aurigraph.v1.UpdateAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.DeleteAlertRuleResponse deleteRule(io.aurigraph.v1.DeleteAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteRuleMethod(), getCallOptions(), request);
    }

    /**
     */
    public io.aurigraph.v1.ListAlertHistoryResponse listHistory(io.aurigraph.v1.ListAlertHistoryRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListHistoryMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AlertService.
   * <pre>
   * AlertService is the gRPC face of /api/v12/alerts, served by the same
   * code. Changes go to the leader: elsewhere they answer FAILED_PRECONDITION
   * with an ErrorInfo NOT_LEADER naming it. The rules need the alerts.manage
   * action (operator role), the history chain.read (viewer). A bad rule is
   * INVALID_ARGUMENT, an unknown id NOT_FOUND, a rule beyond the cluster's
   * 100 RESOURCE_EXHAUSTED.
   * </pre>
   */
  public static final class AlertServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<AlertServiceFutureStub> {
    private AlertServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AlertServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AlertServiceFutureStub(channel, callOptions);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.CreateAlertRuleResponse> createRule(
        io.aurigraph.v1.CreateAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateRuleMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.ListAlertRulesResponse> listRules(
        io.aurigraph.v1.ListAlertRulesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListRulesMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetAlertRuleResponse> getRule(
        io.aurigraph.v1.GetAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetRuleMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.UpdateAlertRuleResponse> updateRule(
        io.aurigraph.v1.UpdateAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateRuleMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.DeleteAlertRuleResponse> deleteRule(
        io.aurigraph.v1.DeleteAlertRuleRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteRuleMethod(), getCallOptions()), request);
    }

    /**
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.ListAlertHistoryResponse> listHistory(
        io.aurigraph.v1.ListAlertHistoryRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListHistoryMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_RULE = 0;
  private static final int METHODID_LIST_RULES = 1;
  private static final int METHODID_GET_RULE = 2;
  private static final int METHODID_UPDATE_RULE = 3;
  private static final int METHODID_DELETE_RULE = 4;
  private static final int METHODID_LIST_HISTORY = 5;

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
        case METHODID_CREATE_RULE:
          serviceImpl.createRule((io.aurigraph.v1.CreateAlertRuleRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.CreateAlertRuleResponse>) responseObserver);
          break;
        case METHODID_LIST_RULES:
          serviceImpl.listRules((io.aurigraph.v1.ListAlertRulesRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.ListAlertRulesResponse>) responseObserver);
          break;
        case METHODID_GET_RULE:
          serviceImpl.getRule((io.aurigraph.v1.GetAlertRuleRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetAlertRuleResponse>) responseObserver);
          break;
        case METHODID_UPDATE_RULE:
          serviceImpl.updateRule((io.aurigraph.v1.UpdateAlertRuleRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.UpdateAlertRuleResponse>) responseObserver);
          break;
        case METHODID_DELETE_RULE:
          serviceImpl.deleteRule((io.aurigraph.v1.DeleteAlertRuleRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.DeleteAlertRuleResponse>) responseObserver);
          break;
        case METHODID_LIST_HISTORY:
          serviceImpl.listHistory((io.aurigraph.v1.ListAlertHistoryRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.ListAlertHistoryResponse>) responseObserver);
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
          getCreateRuleMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.CreateAlertRuleRequest,
              io.aurigraph.v1.CreateAlertRuleResponse>(
                service, METHODID_CREATE_RULE)))
        .addMethod(
          getListRulesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.ListAlertRulesRequest,
              io.aurigraph.v1.ListAlertRulesResponse>(
                service, METHODID_LIST_RULES)))
        .addMethod(
          getGetRuleMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetAlertRuleRequest,
              io.aurigraph.v1.GetAlertRuleResponse>(
                service, METHODID_GET_RULE)))
        .addMethod(
          getUpdateRuleMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.UpdateAlertRuleRequest,
              io.aurigraph.v1.UpdateAlertRuleResponse>(
                service, METHODID_UPDATE_RULE)))
        .addMethod(
          getDeleteRuleMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.DeleteAlertRuleRequest,
              io.aurigraph.v1.DeleteAlertRuleResponse>(
                service, METHODID_DELETE_RULE)))
        .addMethod(
          getListHistoryMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.ListAlertHistoryRequest,
              io.aurigraph.v1.ListAlertHistoryResponse>(
                service, METHODID_LIST_HISTORY)))
        .build();
  }

  private static abstract class AlertServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AlertServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.aurigraph.v1.AlertsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AlertService");
    }
  }

  private static final class AlertServiceFileDescriptorSupplier
      extends AlertServiceBaseDescriptorSupplier {
    AlertServiceFileDescriptorSupplier() {}
  }

  private static final class AlertServiceMethodDescriptorSupplier
      extends AlertServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AlertServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (AlertServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AlertServiceFileDescriptorSupplier())
              .addMethod(getCreateRuleMethod())
              .addMethod(getListRulesMethod())
              .addMethod(getGetRuleMethod())
              .addMethod(getUpdateRuleMethod())
              .addMethod(getDeleteRuleMethod())
              .addMethod(getListHistoryMethod())
              .build();
        }
      }
    }
    return result;
  }
}
