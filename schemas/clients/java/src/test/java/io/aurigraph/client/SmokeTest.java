package io.aurigraph.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import io.aurigraph.v1.Block;
import io.aurigraph.v1.EventType;
import io.aurigraph.v1.GetBlockRequest;
import io.aurigraph.v1.GetTransactionRequest;
import io.aurigraph.v1.GetTransactionResponse;
import io.aurigraph.v1.GetTransactionStatusResponse;
import io.aurigraph.v1.StreamEvent;
import io.aurigraph.v1.SubscribeRequest;
import io.aurigraph.v1.Transaction;
import io.aurigraph.v1.TxState;
import io.aurigraph.v1.TxStatus;
import io.aurigraph.v1.TxType;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * End to end against a running server: health, a live subscription, submit, commit, reads, the
 * subscription seeing the commit, and a rejected submit with its field violation. Needs
 * AURIGRAPH_GRPC=host:port.
 */
class SmokeTest {
  private static final long DEADLINE_S = 10;

  @Test
  void smoke() throws Exception {
    String target = System.getenv("AURIGRAPH_GRPC");
    if (target == null || target.isBlank()) {
      fail("AURIGRAPH_GRPC is not set: give the gRPC address of a running server as host:port,"
          + " e.g. AURIGRAPH_GRPC=127.0.0.1:9004 ./smoke.sh");
    }
    AurigraphClient client = AurigraphClient.connect(target);
    try {
      run(client);
    } finally {
      client.close();
    }
    assertTrue(client.channel().isTerminated(), "channel did not terminate");
  }

  private static void run(AurigraphClient client) throws Exception {
    step("health");
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(client.channel())
            .withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus(), "health");

    step("subscribe");
    Subscription sub = Subscription.open(client);
    try {
      runWithSubscription(client, sub);
    } finally {
      sub.cancel();
    }
    Status end = sub.closed.get(DEADLINE_S, TimeUnit.SECONDS);
    assertEquals(Status.Code.CANCELLED, end.getCode(), "subscription ended with " + end);

    step("invalid submit");
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> client.submit(AurigraphClient.mint("java-smoke-invalid", 0, 1)),
            "a mint of 0 was accepted");
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertNotNull(details, "INVALID_ARGUMENT without a google.rpc.Status: " + e);
    List<String> fields = new ArrayList<>();
    for (Any any : details.getDetailsList()) {
      if (any.is(BadRequest.class)) {
        for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
          fields.add(v.getField());
        }
      }
    }
    // Fields are paths such as "transaction.amount".
    assertTrue(
        fields.stream().anyMatch(f -> f.equals("amount") || f.endsWith(".amount")),
        "no BadRequest field violation names amount: " + fields + " in " + e);
    step("done");
  }

  private static void runWithSubscription(AurigraphClient client, Subscription sub)
      throws Exception {
    step("submit");
    byte[] rnd = new byte[8];
    new SecureRandom().nextBytes(rnd);
    String account = "java-smoke-" + HexFormat.of().formatHex(rnd);
    List<Transaction> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(AurigraphClient.mint(account, i + 1, i + 1));
    }
    List<String> ids = new ArrayList<>(client.submitBatch(batch));
    assertEquals(10, ids.size(), "SubmitBatch ids: " + ids);
    ids.add(client.submit(AurigraphClient.mint(account, 11, 11)));
    for (String id : ids) {
      assertTrue(id.matches("[0-9a-f]{64}"), "derived id is not hex sha256: " + id);
    }
    assertEquals(ids.size(), new HashSet<>(ids).size(), "ids repeat: " + ids);

    step("await commit of " + ids.size() + " transactions to " + account);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long top = 0;
    for (String id : ids) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      GetTransactionStatusResponse st = client.awaitInBlock(id, left, Duration.ofMillis(100));
      assertEquals(TxState.TX_STATE_COMMITTED, st.getState(), id + ": " + st.getReason());
      top = Math.max(top, st.getHeight());
    }

    step("reads");
    String id = ids.get(0);
    GetTransactionResponse got =
        client.transactions().get(GetTransactionRequest.newBuilder().setId(id).build());
    assertEquals(TxState.TX_STATE_COMMITTED, got.getState(), "Get state");
    assertEquals(TxStatus.TX_STATUS_COMMITTED, got.getResult().getStatus(), "Get status");
    Transaction tx = got.getResult().getTx();
    assertEquals(account, tx.getTo(), "to");
    assertEquals(1, tx.getAmount(), "amount");
    assertEquals(TxType.TX_TYPE_MINT, tx.getType(), "type");
    long height = got.getHeight();
    assertTrue(height > 0, "height " + height);

    Block block =
        client.blocks().get(GetBlockRequest.newBuilder().setHeight(height).build()).getBlock();
    assertEquals(height, block.getHeader().getHeight(), "block height");
    assertTrue(
        block.getTxsList().stream().anyMatch(r -> r.getTx().getId().equals(id)),
        "block " + height + " lacks " + id);
    long latest = client.latestHeight();
    assertTrue(latest >= top, "latest " + latest + " below committed " + top);

    step("block event at height >= " + top);
    StreamEvent ev = sub.awaitBlock(top, Duration.ofSeconds(30));
    assertTrue(ev.hasBlock(), "block event without a block: " + ev);
    assertEquals(Long.toUnsignedString(ev.getHeight()), ev.getId(), "block event id");
  }

  /** Subscribe(BLOCK, live) running in the background until cancelled. */
  private static final class Subscription {
    final BlockingQueue<StreamEvent> events = new LinkedBlockingQueue<>();
    final CompletableFuture<Metadata> headers = new CompletableFuture<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    final AtomicReference<ClientCallStreamObserver<SubscribeRequest>> call =
        new AtomicReference<>();

    static Subscription open(AurigraphClient client) throws Exception {
      Subscription s = new Subscription();
      SubscribeRequest req = SubscribeRequest.newBuilder().addTypes(EventType.EVENT_TYPE_BLOCK).build();
      client.stream().withInterceptors(s.headerWatch()).subscribe(req, s.observer());
      // The server answers with headers once the subscription is registered, so waiting for
      // them keeps the commits below from racing ahead of it. Headers are not promised by the
      // contract, though: without them the test goes on, and only loses that guarantee.
      try {
        Metadata h = s.headers.get(DEADLINE_S, TimeUnit.SECONDS);
        String head = h.get(Metadata.Key.of("aurigraph-height", Metadata.ASCII_STRING_MARSHALLER));
        step("subscribed, chain head " + (head == null ? "not given" : head));
      } catch (ExecutionException e) {
        fail("Subscribe failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        step("no Subscribe headers within " + DEADLINE_S + " s; going on");
      }
      return s;
    }

    StreamEvent awaitBlock(long height, Duration timeout) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      List<Long> seen = new ArrayList<>();
      while (true) {
        long left = end - System.nanoTime();
        StreamEvent ev = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
        if (ev == null) {
          fail("no block event at height >= " + height + " within " + timeout
              + "; saw heights " + seen + (closed.isDone() ? ", stream ended " + closed.join() : ""));
        }
        assertEquals(EventType.EVENT_TYPE_BLOCK, ev.getType(), "asked for blocks only: " + ev);
        if (Long.compareUnsigned(ev.getHeight(), height) >= 0) {
          return ev;
        }
        seen.add(ev.getHeight());
      }
    }

    void cancel() {
      ClientCallStreamObserver<SubscribeRequest> c = call.get();
      if (c != null) {
        c.cancel("smoke test done", null);
      }
    }

    private ClientResponseObserver<SubscribeRequest, StreamEvent> observer() {
      return new ClientResponseObserver<>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
          call.set(requestStream);
        }

        @Override
        public void onNext(StreamEvent ev) {
          events.add(ev);
        }

        @Override
        public void onError(Throwable t) {
          closed.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
          closed.complete(Status.OK);
        }
      };
    }

    private ClientInterceptor headerWatch() {
      return new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata md) {
              super.start(
                  new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onHeaders(Metadata h) {
                      headers.complete(h);
                      super.onHeaders(h);
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                      headers.completeExceptionally(status.asRuntimeException(trailers));
                      super.onClose(status, trailers);
                    }
                  },
                  md);
            }
          };
        }
      };
    }
  }

  private static void step(String what) {
    System.out.println("smoke: " + what);
  }
}
