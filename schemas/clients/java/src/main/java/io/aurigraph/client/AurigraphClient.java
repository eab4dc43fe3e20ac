package io.aurigraph.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import io.aurigraph.v1.BlockServiceGrpc;
import io.aurigraph.v1.GetLatestBlockRequest;
import io.aurigraph.v1.GetTransactionStatusRequest;
import io.aurigraph.v1.GetTransactionStatusResponse;
import io.aurigraph.v1.PerformanceServiceGrpc;
import io.aurigraph.v1.StreamServiceGrpc;
import io.aurigraph.v1.SubmitBatchRequest;
import io.aurigraph.v1.SubmitRequest;
import io.aurigraph.v1.Transaction;
import io.aurigraph.v1.TransactionServiceGrpc;
import io.aurigraph.v1.TxState;
import io.aurigraph.v1.TxType;
import io.aurigraph.v1.ValidatorServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A channel to one Aurigraph server with stubs that carry a deadline.
 *
 * <p>Stubs are handed out per call because a gRPC deadline is a point in time: one stub reused
 * across calls would let later calls inherit an already spent deadline. The generated stubs stay
 * fully available for everything this class does not wrap.
 */
public final class AurigraphClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final long deadlineMillis;

  public AurigraphClient(ManagedChannel channel, Duration deadline) {
    this.channel = channel;
    this.deadlineMillis = deadline.toMillis();
  }

  /** Plaintext channel to {@code host:port}, 10 s per unary call. */
  public static AurigraphClient connect(String target) {
    return new AurigraphClient(
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build(),
        Duration.ofSeconds(10));
  }

  public ManagedChannel channel() {
    return channel;
  }

  public TransactionServiceGrpc.TransactionServiceBlockingStub transactions() {
    return TransactionServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }

  public BlockServiceGrpc.BlockServiceBlockingStub blocks() {
    return BlockServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }

  public ValidatorServiceGrpc.ValidatorServiceBlockingStub validators() {
    return ValidatorServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }

  public PerformanceServiceGrpc.PerformanceServiceBlockingStub performance() {
    return PerformanceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }

  /** Without a deadline: a subscription lasts until it is cancelled. */
  public StreamServiceGrpc.StreamServiceStub stream() {
    return StreamServiceGrpc.newStub(channel);
  }

  /** A mint of the native asset; the server derives the id. */
  public static Transaction mint(String to, long amount, long nonce) {
    return Transaction.newBuilder()
        .setType(TxType.TX_TYPE_MINT)
        .setTo(to)
        .setAmount(amount)
        .setNonce(nonce)
        .build();
  }

  public String submit(Transaction tx) {
    return transactions().submit(SubmitRequest.newBuilder().setTransaction(tx).build()).getId();
  }

  public List<String> submitBatch(List<Transaction> txs) {
    return transactions()
        .submitBatch(SubmitBatchRequest.newBuilder().addAllTransactions(txs).build())
        .getIdsList();
  }

  public long latestHeight() {
    return blocks().latest(GetLatestBlockRequest.getDefaultInstance()).getBlock().getHeader().getHeight();
  }

  /**
   * Polls Status until the transaction is in a block, committed or failed. UNAVAILABLE (no leader
   * answered in time) and NOT_FOUND (not seen yet) are retried; any other error ends the wait.
   */
  public GetTransactionStatusResponse awaitInBlock(String id, Duration timeout, Duration poll)
      throws InterruptedException, TimeoutException {
    long end = System.nanoTime() + timeout.toNanos();
    GetTransactionStatusRequest req = GetTransactionStatusRequest.newBuilder().setId(id).build();
    String last = "no answer";
    while (true) {
      try {
        GetTransactionStatusResponse st = transactions().status(req);
        if (st.getState() == TxState.TX_STATE_COMMITTED
            || st.getState() == TxState.TX_STATE_FAILED) {
          return st;
        }
        last = st.getState().name();
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.NOT_FOUND) {
          throw e;
        }
        last = e.getStatus().toString();
      }
      if (System.nanoTime() - end >= 0) {
        throw new TimeoutException(id + " not in a block after " + timeout + ": last " + last);
      }
      Thread.sleep(poll.toMillis());
    }
  }

  /** The google.rpc.BadRequest detail of an INVALID_ARGUMENT error, if it carries one. */
  public static Optional<BadRequest> badRequest(Throwable t) {
    com.google.rpc.Status st = StatusProto.fromThrowable(t);
    if (st == null) {
      return Optional.empty();
    }
    for (com.google.protobuf.Any any : st.getDetailsList()) {
      if (any.is(BadRequest.class)) {
        try {
          return Optional.of(any.unpack(BadRequest.class));
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** Waits up to 5 s for calls in flight, then cancels what is left. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
