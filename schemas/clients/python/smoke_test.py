"""End-to-end check of the public gRPC API against a running server.

AURIGRAPH_GRPC=host:port python3 -m pytest smoke_test.py
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2
from grpc_status import rpc_status

from aurigraph.v1 import block_pb2, chain_pb2, stream_pb2, transaction_pb2
from aurigraph_client import DEFAULT_TIMEOUT, Client

COMMIT_TIMEOUT = 60.0
EVENT_TIMEOUT = 30.0
# Only a guard against a hung server: the test cancels the stream itself.
STREAM_DEADLINE = 120.0


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    target = os.environ.get("AURIGRAPH_GRPC", "")
    if not target:
        pytest.fail("AURIGRAPH_GRPC is not set: export AURIGRAPH_GRPC=host:port of the gRPC API (e.g. 127.0.0.1:9004)")
    with Client(target) as c:
        try:
            grpc.channel_ready_future(c.channel).result(timeout=DEFAULT_TIMEOUT)
        except grpc.FutureTimeoutError:
            pytest.fail(f"no gRPC server answered at AURIGRAPH_GRPC={target} within {DEFAULT_TIMEOUT:g}s")
        yield c


def mint(to: str, amount: int, nonce: int) -> chain_pb2.Transaction:
    return chain_pb2.Transaction(type=chain_pb2.TX_TYPE_MINT, to=to, amount=amount, nonce=nonce)


class BlockWatcher:
    """Drains a live Subscribe call on a thread, so events are not lost while
    the test is busy submitting and polling."""

    def __init__(self, c: Client) -> None:
        self.call = c.stream.Subscribe(
            stream_pb2.SubscribeRequest(from_height=0, types=[stream_pb2.EVENT_TYPE_BLOCK]),
            timeout=STREAM_DEADLINE,
        )
        self.events: queue.Queue[stream_pb2.StreamEvent] = queue.Queue()
        self.subscribed = threading.Event()
        self.error: grpc.RpcError | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            # The server sends headers once the subscription is in place.
            self.call.initial_metadata()
            self.subscribed.set()
            for ev in self.call:
                self.events.put(ev)
        except grpc.RpcError as err:
            self.error = err

    def wait_block(self, min_height: int, timeout: float) -> stream_pb2.StreamEvent:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no block event at height >= {min_height} within {timeout:g}s (stream error: {self.error})")
            try:
                ev = self.events.get(timeout=min(left, 0.5))
            except queue.Empty:
                assert self.error is None, f"stream ended early: {self.error}"
                continue
            assert ev.type == stream_pb2.EVENT_TYPE_BLOCK, ev
            if ev.height >= min_height:
                return ev

    def cancel(self) -> None:
        self.call.cancel()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "stream did not end after cancel"
        assert self.error is not None and self.error.code() == grpc.StatusCode.CANCELLED, self.error


def test_health(client: Client) -> None:
    resp = client.health.Check(health_pb2.HealthCheckRequest(service=""), timeout=DEFAULT_TIMEOUT)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_submit_commit_and_stream(client: Client) -> None:
    watcher = BlockWatcher(client)
    try:
        # Without this the block could commit before the live subscription
        # exists and never be delivered.
        assert watcher.subscribed.wait(DEFAULT_TIMEOUT), f"Subscribe did not start: {watcher.error}"

        account = f"py-smoke-{secrets.token_hex(6)}"
        batch = client.transactions.SubmitBatch(
            transaction_pb2.SubmitBatchRequest(transactions=[mint(account, i + 1, i + 1) for i in range(10)]),
            timeout=DEFAULT_TIMEOUT,
        )
        assert len(batch.ids) == 10 and all(batch.ids), batch
        assert len(set(batch.ids)) == 10, "distinct transactions must get distinct ids"
        one = client.transactions.Submit(
            transaction_pb2.SubmitRequest(transaction=mint(account, 11, 11)), timeout=DEFAULT_TIMEOUT
        )
        assert one.id and one.id not in batch.ids
        ids = [*batch.ids, one.id]

        settled = client.wait_settled(ids, timeout=COMMIT_TIMEOUT, interval=0.1)
        failed = {i: s.reason for i, s in settled.items() if s.state != transaction_pb2.TX_STATE_COMMITTED}
        assert not failed, f"not committed: {failed}"

        got = client.transactions.Get(transaction_pb2.GetTransactionRequest(id=one.id), timeout=DEFAULT_TIMEOUT)
        assert got.state == transaction_pb2.TX_STATE_COMMITTED
        assert got.height > 0
        assert got.result.status == chain_pb2.TX_STATUS_COMMITTED, got.result.reason
        tx = got.result.tx
        assert (tx.id, tx.type, tx.to, tx.amount) == (one.id, chain_pb2.TX_TYPE_MINT, account, 11)
        assert settled[one.id].height == got.height

        blk = client.blocks.Get(block_pb2.GetBlockRequest(height=got.height), timeout=DEFAULT_TIMEOUT).block
        assert blk.header.height == got.height
        assert one.id in [r.tx.id for r in blk.txs]
        assert got.index < len(blk.txs) and blk.txs[got.index].tx.id == one.id
        latest = client.blocks.Latest(block_pb2.GetLatestBlockRequest(), timeout=DEFAULT_TIMEOUT).block
        assert latest.header.height >= got.height

        ev = watcher.wait_block(got.height, EVENT_TIMEOUT)
        assert ev.WhichOneof("event") == "block"
        assert ev.id == str(ev.height)
    finally:
        watcher.cancel()


def test_invalid_amount(client: Client) -> None:
    bad = mint(f"py-smoke-{secrets.token_hex(6)}", 0, 1)
    with pytest.raises(grpc.RpcError) as info:
        client.transactions.Submit(transaction_pb2.SubmitRequest(transaction=bad), timeout=DEFAULT_TIMEOUT)
    err = info.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{err.code()}: {err.details()}"

    status = rpc_status.from_call(err)
    if status is None:
        return  # no details on the wire; the code is what the contract fixes
    bad_requests = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            br = error_details_pb2.BadRequest()
            detail.Unpack(br)
            bad_requests.append(br)
    if not bad_requests:
        return
    violations = [v.field for br in bad_requests for v in br.field_violations]
    # Accept a path such as "transaction.amount": the contract names the
    # field, not the path syntax.
    assert any(f.split(".")[-1] == "amount" for f in violations), f"BadRequest should name amount: {violations}"
