"""One channel to an Aurigraph gRPC endpoint with every public service on it.

The generated modules under aurigraph/v1 are the API; this only saves the
boilerplate every caller repeats: the channel, the stubs, a default deadline
and waiting for submitted transactions to settle.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2_grpc

from aurigraph.v1 import (
    block_pb2_grpc,
    performance_pb2_grpc,
    stream_pb2_grpc,
    transaction_pb2,
    transaction_pb2_grpc,
    validator_pb2_grpc,
)

# Seconds. Unary calls are answered in milliseconds when the cluster is
# healthy; a bound keeps a caller from hanging on a partitioned one.
DEFAULT_TIMEOUT = 10.0

_SETTLED = (transaction_pb2.TX_STATE_COMMITTED, transaction_pb2.TX_STATE_FAILED)

# The server lets clients ping every 10 s; 30 s keeps idle subscriptions
# alive through NATs and proxies without risking a GOAWAY for pinging
# too often.
_CHANNEL_OPTIONS = (("grpc.keepalive_time_ms", 30_000),)


class Client:
    """Stubs for the public services over one insecure channel (or one given)."""

    def __init__(self, target: str, channel: grpc.Channel | None = None) -> None:
        self.channel = channel or grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
        self.transactions = transaction_pb2_grpc.TransactionServiceStub(self.channel)
        self.blocks = block_pb2_grpc.BlockServiceStub(self.channel)
        self.validators = validator_pb2_grpc.ValidatorServiceStub(self.channel)
        self.performance = performance_pb2_grpc.PerformanceServiceStub(self.channel)
        self.stream = stream_pb2_grpc.StreamServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def wait_settled(
        self,
        ids: Iterable[str],
        timeout: float = 60.0,
        interval: float = 0.1,
    ) -> dict[str, transaction_pb2.GetTransactionStatusResponse]:
        """Polls Status until every id is committed or failed.

        UNAVAILABLE and NOT_FOUND count as "not yet": the first is retryable
        by contract, and the second can be seen when a read reaches a
        validator before the write's pending record does.
        """
        pending = dict.fromkeys(ids, "not asked yet")
        done: dict[str, transaction_pb2.GetTransactionStatusResponse] = {}
        deadline = time.monotonic() + timeout
        while pending:
            for tx_id in list(pending):
                try:
                    st = self.transactions.Status(
                        transaction_pb2.GetTransactionStatusRequest(id=tx_id),
                        timeout=DEFAULT_TIMEOUT,
                    )
                except grpc.RpcError as err:
                    if err.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.NOT_FOUND):
                        raise
                    pending[tx_id] = err.code().name
                    continue
                if st.state in _SETTLED:
                    done[tx_id] = st
                    del pending[tx_id]
                else:
                    pending[tx_id] = transaction_pb2.TxState.Name(st.state)
            if not pending:
                break
            if time.monotonic() >= deadline:
                raise TimeoutError(f"not settled after {timeout:g}s: {pending}")
            time.sleep(interval)
        return done
