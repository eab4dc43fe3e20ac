package io.aurigraph.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * ValidatorService reports the validators and changes their membership.
 * Membership changes must reach the leader: elsewhere they fail with
 * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
 * names the validator to ask.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class ValidatorServiceGrpc {

  private ValidatorServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "aurigraph.v1.ValidatorService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.ListValidatorsRequest,
      io.aurigraph.v1.ListValidatorsResponse> getListMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "List",
      requestType = io.aurigraph.v1.ListValidatorsRequest.class,
      responseType = io.aurigraph.v1.ListValidatorsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.ListValidatorsRequest,
      io.aurigraph.v1.ListValidatorsResponse> getListMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.ListValidatorsRequest, io.aurigraph.v1.ListValidatorsResponse> getListMethod;
    if ((getListMethod = ValidatorServiceGrpc.getListMethod) == null) {
      synchronized (ValidatorServiceGrpc.class) {
        if ((getListMethod = ValidatorServiceGrpc.getListMethod) == null) {
          ValidatorServiceGrpc.getListMethod = getListMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.ListValidatorsRequest, io.aurigraph.v1.ListValidatorsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "List"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListValidatorsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.ListValidatorsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ValidatorServiceMethodDescriptorSupplier("List"))
              .build();
        }
      }
    }
    return getListMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetValidatorStatusRequest,
      io.aurigraph.v1.GetValidatorStatusResponse> getStatusMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Status",
      requestType = io.aurigraph.v1.GetValidatorStatusRequest.class,
      responseType = io.aurigraph.v1.GetValidatorStatusResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetValidatorStatusRequest,
      io.aurigraph.v1.GetValidatorStatusResponse> getStatusMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetValidatorStatusRequest, io.aurigraph.v1.GetValidatorStatusResponse> getStatusMethod;
    if ((getStatusMethod = ValidatorServiceGrpc.getStatusMethod) == null) {
      synchronized (ValidatorServiceGrpc.class) {
        if ((getStatusMethod = ValidatorServiceGrpc.getStatusMethod) == null) {
          ValidatorServiceGrpc.getStatusMethod = getStatusMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetValidatorStatusRequest, io.aurigraph.v1.GetValidatorStatusResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Status"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetValidatorStatusRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetValidatorStatusResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ValidatorServiceMethodDescriptorSupplier("Status"))
              .build();
        }
      }
    }
    return getStatusMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.GetLeaderRequest,
      io.aurigraph.v1.GetLeaderResponse> getLeaderMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Leader",
      requestType = io.aurigraph.v1.GetLeaderRequest.class,
      responseType = io.aurigraph.v1.GetLeaderResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.GetLeaderRequest,
      io.aurigraph.v1.GetLeaderResponse> getLeaderMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.GetLeaderRequest, io.aurigraph.v1.GetLeaderResponse> getLeaderMethod;
    if ((getLeaderMethod = ValidatorServiceGrpc.getLeaderMethod) == null) {
      synchronized (ValidatorServiceGrpc.class) {
        if ((getLeaderMethod = ValidatorServiceGrpc.getLeaderMethod) == null) {
          ValidatorServiceGrpc.getLeaderMethod = getLeaderMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.GetLeaderRequest, io.aurigraph.v1.GetLeaderResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Leader"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetLeaderRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.GetLeaderResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ValidatorServiceMethodDescriptorSupplier("Leader"))
              .build();
        }
      }
    }
    return getLeaderMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.AddMemberRequest,
      io.aurigraph.v1.AddMemberResponse> getAddMemberMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AddMember",
      requestType = io.aurigraph.v1.AddMemberRequest.class,
      responseType = io.aurigraph.v1.AddMemberResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.AddMemberRequest,
      io.aurigraph.v1.AddMemberResponse> getAddMemberMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.AddMemberRequest, io.aurigraph.v1.AddMemberResponse> getAddMemberMethod;
    if ((getAddMemberMethod = ValidatorServiceGrpc.getAddMemberMethod) == null) {
      synchronized (ValidatorServiceGrpc.class) {
        if ((getAddMemberMethod = ValidatorServiceGrpc.getAddMemberMethod) == null) {
          ValidatorServiceGrpc.getAddMemberMethod = getAddMemberMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.AddMemberRequest, io.aurigraph.v1.AddMemberResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AddMember"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.AddMemberRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.AddMemberResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ValidatorServiceMethodDescriptorSupplier("AddMember"))
              .build();
        }
      }
    }
    return getAddMemberMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.aurigraph.v1.RemoveMemberRequest,
      io.aurigraph.v1.RemoveMemberResponse> getRemoveMemberMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RemoveMember",
      requestType = io.aurigraph.v1.RemoveMemberRequest.class,
      responseType = io.aurigraph.v1.RemoveMemberResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.aurigraph.v1.RemoveMemberRequest,
      io.aurigraph.v1.RemoveMemberResponse> getRemoveMemberMethod() {
    io.grpc.MethodDescriptor<io.aurigraph.v1.RemoveMemberRequest, io.aurigraph.v1.RemoveMemberResponse> getRemoveMemberMethod;
    if ((getRemoveMemberMethod = ValidatorServiceGrpc.getRemoveMemberMethod) == null) {
      synchronized (ValidatorServiceGrpc.class) {
        if ((getRemoveMemberMethod = ValidatorServiceGrpc.getRemoveMemberMethod) == null) {
          ValidatorServiceGrpc.getRemoveMemberMethod = getRemoveMemberMethod =
              io.grpc.MethodDescriptor.<io.aurigraph.v1.RemoveMemberRequest, io.aurigraph.v1.RemoveMemberResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RemoveMember"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.RemoveMemberRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.aurigraph.v1.RemoveMemberResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ValidatorServiceMethodDescriptorSupplier("RemoveMember"))
              .build();
        }
      }
    }
    return getRemoveMemberMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ValidatorServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceStub>() {
        @java.lang.Override
        public ValidatorServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ValidatorServiceStub(channel, callOptions);
        }
      };
    return ValidatorServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static ValidatorServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceBlockingV2Stub>() {
        @java.lang.Override
        public ValidatorServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ValidatorServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return ValidatorServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ValidatorServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceBlockingStub>() {
        @java.lang.Override
        public ValidatorServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ValidatorServiceBlockingStub(channel, callOptions);
        }
      };
    return ValidatorServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ValidatorServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ValidatorServiceFutureStub>() {
        @java.lang.Override
        public ValidatorServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ValidatorServiceFutureStub(channel, callOptions);
        }
      };
    return ValidatorServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * ValidatorService reports the validators and changes their membership.
   * Membership changes must reach the leader: elsewhere they fail with
   * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
   * names the validator to ask.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * List returns every member with its state and progress.
     * </pre>
     */
    default void list(io.aurigraph.v1.ListValidatorsRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListValidatorsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListMethod(), responseObserver);
    }

    /**
     * <pre>
     * Status returns one member as the answering validator sees it.
     * </pre>
     */
    default void status(io.aurigraph.v1.GetValidatorStatusRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetValidatorStatusResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStatusMethod(), responseObserver);
    }

    /**
     * <pre>
     * Leader returns the current leader and term.
     * </pre>
     */
    default void leader(io.aurigraph.v1.GetLeaderRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetLeaderResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLeaderMethod(), responseObserver);
    }

    /**
     * <pre>
     * AddMember adds a validator as a learner; the leader promotes it to
     * voter once it has caught up. ALREADY_EXISTS if the id is a member.
     * </pre>
     */
    default void addMember(io.aurigraph.v1.AddMemberRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.AddMemberResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAddMemberMethod(), responseObserver);
    }

    /**
     * <pre>
     * RemoveMember removes a validator. NOT_FOUND if it is not a member,
     * FAILED_PRECONDITION if it is the last voter.
     * </pre>
     */
    default void removeMember(io.aurigraph.v1.RemoveMemberRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.RemoveMemberResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRemoveMemberMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service ValidatorService.
   * <pre>
   * ValidatorService reports the validators and changes their membership.
   * Membership changes must reach the leader: elsewhere they fail with
   * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
   * names the validator to ask.
   * </pre>
   */
  public static abstract class ValidatorServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return ValidatorServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service ValidatorService.
   * <pre>
   * ValidatorService reports the validators and changes their membership.
   * Membership changes must reach the leader: elsewhere they fail with
   * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
   * names the validator to ask.
   * </pre>
   */
  public static final class ValidatorServiceStub
      extends io.grpc.stub.AbstractAsyncStub<ValidatorServiceStub> {
    private ValidatorServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ValidatorServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ValidatorServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * List returns every member with its state and progress.
     * </pre>
     */
    public void list(io.aurigraph.v1.ListValidatorsRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.ListValidatorsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Status returns one member as the answering validator sees it.
     * </pre>
     */
    public void status(io.aurigraph.v1.GetValidatorStatusRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetValidatorStatusResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStatusMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Leader returns the current leader and term.
     * </pre>
     */
    public void leader(io.aurigraph.v1.GetLeaderRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.GetLeaderResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLeaderMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * AddMember adds a validator as a learner; the leader promotes it to
     * voter once it has caught up. ALREADY_EXISTS if the id is a member.
     * </pre>
     */
    public void addMember(io.aurigraph.v1.AddMemberRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.AddMemberResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAddMemberMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * RemoveMember removes a validator. NOT_FOUND if it is not a member,
     * FAILED_PRECONDITION if it is the last voter.
     * </pre>
     */
    public void removeMember(io.aurigraph.v1.RemoveMemberRequest request,
        io.grpc.stub.StreamObserver<io.aurigraph.v1.RemoveMemberResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRemoveMemberMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service ValidatorService.
   * <pre>
   * ValidatorService reports the validators and changes their membership.
   * Membership changes must reach the leader: elsewhere they fail with
   * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
   * names the validator to ask.
   * </pre>
   */
  public static final class ValidatorServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<ValidatorServiceBlockingV2Stub> {
    private ValidatorServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ValidatorServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ValidatorServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * List returns every member with its state and progress.
     * </pre>
     */
    public io.aurigraph.v1.ListValidatorsResponse list(io.aurigraph.v1.ListValidatorsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Status returns one member as the answering validator sees it.
     * </pre>
     */
    public io.aurigraph.v1.GetValidatorStatusResponse status(io.aurigraph.v1.GetValidatorStatusRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Leader returns the current leader and term.
     * </pre>
     */
    public io.aurigraph.v1.GetLeaderResponse leader(io.aurigraph.v1.GetLeaderRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getLeaderMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * AddMember adds a validator as a learner; the leader promotes it to
     * voter once it has caught up. ALREADY_EXISTS if the id is a member.
     * </pre>
     */
    public io.aurigraph.v1.AddMemberResponse addMember(io.aurigraph.v1.AddMemberRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getAddMemberMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RemoveMember removes a validator. NOT_FOUND if it is not a member,
     * FAILED_PRECONDITION if it is the last voter.
     * </pre>
     */
    public io.aurigraph.v1.RemoveMemberResponse removeMember(io.aurigraph.v1.RemoveMemberRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRemoveMemberMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service ValidatorService.
   * <pre>
   * ValidatorService reports the validators and changes their membership.
   * Membership changes must reach the leader: elsewhere they fail with
   * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
   * names the validator to ask.
   * </pre>
   */
  public static final class ValidatorServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<ValidatorServiceBlockingStub> {
    private ValidatorServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ValidatorServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ValidatorServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * List returns every member with its state and progress.
     * </pre>
     */
    public io.aurigraph.v1.ListValidatorsResponse list(io.aurigraph.v1.ListValidatorsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Status returns one member as the answering validator sees it.
     * </pre>
     */
    public io.aurigraph.v1.GetValidatorStatusResponse status(io.aurigraph.v1.GetValidatorStatusRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Leader returns the current leader and term.
     * </pre>
     */
    public io.aurigraph.v1.GetLeaderResponse leader(io.aurigraph.v1.GetLeaderRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLeaderMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * AddMember adds a validator as a learner; the leader promotes it to
     * voter once it has caught up. ALREADY_EXISTS if the id is a member.
     * </pre>
     */
    public io.aurigraph.v1.AddMemberResponse addMember(io.aurigraph.v1.AddMemberRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAddMemberMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RemoveMember removes a validator. NOT_FOUND if it is not a member,
     * FAILED_PRECONDITION if it is the last voter.
     * </pre>
     */
    public io.aurigraph.v1.RemoveMemberResponse removeMember(io.aurigraph.v1.RemoveMemberRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRemoveMemberMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service ValidatorService.
   * <pre>
   * ValidatorService reports the validators and changes their membership.
   * Membership changes must reach the leader: elsewhere they fail with
   * FAILED_PRECONDITION and a google.rpc.ErrorInfo whose metadata "leader"
   * names the validator to ask.
   * </pre>
   */
  public static final class ValidatorServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<ValidatorServiceFutureStub> {
    private ValidatorServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ValidatorServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ValidatorServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * List returns every member with its state and progress.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.ListValidatorsResponse> list(
        io.aurigraph.v1.ListValidatorsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Status returns one member as the answering validator sees it.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetValidatorStatusResponse> status(
        io.aurigraph.v1.GetValidatorStatusRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStatusMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Leader returns the current leader and term.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.GetLeaderResponse> leader(
        io.aurigraph.v1.GetLeaderRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLeaderMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * AddMember adds a validator as a learner; the leader promotes it to
     * voter once it has caught up. ALREADY_EXISTS if the id is a member.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.AddMemberResponse> addMember(
        io.aurigraph.v1.AddMemberRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAddMemberMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * RemoveMember removes a validator. NOT_FOUND if it is not a member,
     * FAILED_PRECONDITION if it is the last voter.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.aurigraph.v1.RemoveMemberResponse> removeMember(
        io.aurigraph.v1.RemoveMemberRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRemoveMemberMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST = 0;
  private static final int METHODID_STATUS = 1;
  private static final int METHODID_LEADER = 2;
  private static final int METHODID_ADD_MEMBER = 3;
  private static final int METHODID_REMOVE_MEMBER = 4;

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
        case METHODID_LIST:
          serviceImpl.list((io.aurigraph.v1.ListValidatorsRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.ListValidatorsResponse>) responseObserver);
          break;
        case METHODID_STATUS:
          serviceImpl.status((io.aurigraph.v1.GetValidatorStatusRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetValidatorStatusResponse>) responseObserver);
          break;
        case METHODID_LEADER:
          serviceImpl.leader((io.aurigraph.v1.GetLeaderRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.GetLeaderResponse>) responseObserver);
          break;
        case METHODID_ADD_MEMBER:
          serviceImpl.addMember((io.aurigraph.v1.AddMemberRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.AddMemberResponse>) responseObserver);
          break;
        case METHODID_REMOVE_MEMBER:
          serviceImpl.removeMember((io.aurigraph.v1.RemoveMemberRequest) request,
              (io.grpc.stub.StreamObserver<io.aurigraph.v1.RemoveMemberResponse>) responseObserver);
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
          getListMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.ListValidatorsRequest,
              io.aurigraph.v1.ListValidatorsResponse>(
                service, METHODID_LIST)))
        .addMethod(
          getStatusMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetValidatorStatusRequest,
              io.aurigraph.v1.GetValidatorStatusResponse>(
                service, METHODID_STATUS)))
        .addMethod(
          getLeaderMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.GetLeaderRequest,
              io.aurigraph.v1.GetLeaderResponse>(
                service, METHODID_LEADER)))
        .addMethod(
          getAddMemberMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.AddMemberRequest,
              io.aurigraph.v1.AddMemberResponse>(
                service, METHODID_ADD_MEMBER)))
        .addMethod(
          getRemoveMemberMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.aurigraph.v1.RemoveMemberRequest,
              io.aurigraph.v1.RemoveMemberResponse>(
                service, METHODID_REMOVE_MEMBER)))
        .build();
  }

  private static abstract class ValidatorServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ValidatorServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.aurigraph.v1.ValidatorProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ValidatorService");
    }
  }

  private static final class ValidatorServiceFileDescriptorSupplier
      extends ValidatorServiceBaseDescriptorSupplier {
    ValidatorServiceFileDescriptorSupplier() {}
  }

  private static final class ValidatorServiceMethodDescriptorSupplier
      extends ValidatorServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    ValidatorServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (ValidatorServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ValidatorServiceFileDescriptorSupplier())
              .addMethod(getListMethod())
              .addMethod(getStatusMethod())
              .addMethod(getLeaderMethod())
              .addMethod(getAddMemberMethod())
              .addMethod(getRemoveMemberMethod())
              .build();
        }
      }
    }
    return result;
  }
}
