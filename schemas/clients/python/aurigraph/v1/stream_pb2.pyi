from aurigraph.v1 import alerts_pb2 as _alerts_pb2
from aurigraph.v1 import chain_pb2 as _chain_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_BLOCK: _ClassVar[EventType]
    EVENT_TYPE_TX: _ClassVar[EventType]
    EVENT_TYPE_TPS: _ClassVar[EventType]
    EVENT_TYPE_VALIDATOR: _ClassVar[EventType]
    EVENT_TYPE_ALERT: _ClassVar[EventType]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_BLOCK: EventType
EVENT_TYPE_TX: EventType
EVENT_TYPE_TPS: EventType
EVENT_TYPE_VALIDATOR: EventType
EVENT_TYPE_ALERT: EventType

class SubscribeRequest(_message.Message):
    __slots__ = ("from_height", "after", "types", "accounts", "tx_types", "assets", "statuses")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TX_TYPES_FIELD_NUMBER: _ClassVar[int]
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    after: str
    types: _containers.RepeatedScalarFieldContainer[EventType]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    tx_types: _containers.RepeatedScalarFieldContainer[_chain_pb2.TxType]
    assets: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[_chain_pb2.TxStatus]
    def __init__(self, from_height: _Optional[int] = ..., after: _Optional[str] = ..., types: _Optional[_Iterable[_Union[EventType, str]]] = ..., accounts: _Optional[_Iterable[str]] = ..., tx_types: _Optional[_Iterable[_Union[_chain_pb2.TxType, str]]] = ..., assets: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[_Union[_chain_pb2.TxStatus, str]]] = ...) -> None: ...

class StreamEvent(_message.Message):
    __slots__ = ("type", "height", "committed_ms", "block", "tx", "tps", "validator", "alert", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_MS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    TX_FIELD_NUMBER: _ClassVar[int]
    TPS_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: EventType
    height: int
    committed_ms: int
    block: BlockSummary
    tx: TxEvent
    tps: TpsEvent
    validator: ValidatorEvent
    alert: _alerts_pb2.AlertTransition
    id: str
    def __init__(self, type: _Optional[_Union[EventType, str]] = ..., height: _Optional[int] = ..., committed_ms: _Optional[int] = ..., block: _Optional[_Union[BlockSummary, _Mapping]] = ..., tx: _Optional[_Union[TxEvent, _Mapping]] = ..., tps: _Optional[_Union[TpsEvent, _Mapping]] = ..., validator: _Optional[_Union[ValidatorEvent, _Mapping]] = ..., alert: _Optional[_Union[_alerts_pb2.AlertTransition, _Mapping]] = ..., id: _Optional[str] = ...) -> None: ...

class BlockSummary(_message.Message):
    __slots__ = ("hash", "prev_hash", "timestamp_ms", "proposer", "raft_term", "tx_count", "failed_count")
    HASH_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    RAFT_TERM_FIELD_NUMBER: _ClassVar[int]
    TX_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    hash: bytes
    prev_hash: bytes
    timestamp_ms: int
    proposer: int
    raft_term: int
    tx_count: int
    failed_count: int
    def __init__(self, hash: _Optional[bytes] = ..., prev_hash: _Optional[bytes] = ..., timestamp_ms: _Optional[int] = ..., proposer: _Optional[int] = ..., raft_term: _Optional[int] = ..., tx_count: _Optional[int] = ..., failed_count: _Optional[int] = ...) -> None: ...

class TxEvent(_message.Message):
    __slots__ = ("index", "tx", "status", "reason")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    index: int
    tx: _chain_pb2.Transaction
    status: _chain_pb2.TxStatus
    reason: str
    def __init__(self, index: _Optional[int] = ..., tx: _Optional[_Union[_chain_pb2.Transaction, _Mapping]] = ..., status: _Optional[_Union[_chain_pb2.TxStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class TpsEvent(_message.Message):
    __slots__ = ("t", "tps", "blocks")
    T_FIELD_NUMBER: _ClassVar[int]
    TPS_FIELD_NUMBER: _ClassVar[int]
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    t: int
    tps: int
    blocks: int
    def __init__(self, t: _Optional[int] = ..., tps: _Optional[int] = ..., blocks: _Optional[int] = ...) -> None: ...

class ValidatorEvent(_message.Message):
    __slots__ = ("leader", "term", "voters")
    LEADER_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    VOTERS_FIELD_NUMBER: _ClassVar[int]
    leader: int
    term: int
    voters: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, leader: _Optional[int] = ..., term: _Optional[int] = ..., voters: _Optional[_Iterable[int]] = ...) -> None: ...
