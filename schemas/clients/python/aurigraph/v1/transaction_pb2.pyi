from aurigraph.v1 import chain_pb2 as _chain_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TxState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TX_STATE_UNSPECIFIED: _ClassVar[TxState]
    TX_STATE_PENDING: _ClassVar[TxState]
    TX_STATE_COMMITTED: _ClassVar[TxState]
    TX_STATE_FAILED: _ClassVar[TxState]
TX_STATE_UNSPECIFIED: TxState
TX_STATE_PENDING: TxState
TX_STATE_COMMITTED: TxState
TX_STATE_FAILED: TxState

class SubmitRequest(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: _chain_pb2.Transaction
    def __init__(self, transaction: _Optional[_Union[_chain_pb2.Transaction, _Mapping]] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class SubmitBatchRequest(_message.Message):
    __slots__ = ("transactions",)
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[_chain_pb2.Transaction]
    def __init__(self, transactions: _Optional[_Iterable[_Union[_chain_pb2.Transaction, _Mapping]]] = ...) -> None: ...

class SubmitBatchResponse(_message.Message):
    __slots__ = ("ids", "existing")
    IDS_FIELD_NUMBER: _ClassVar[int]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    existing: _containers.RepeatedCompositeFieldContainer[ExistingTransaction]
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., existing: _Optional[_Iterable[_Union[ExistingTransaction, _Mapping]]] = ...) -> None: ...

class ExistingTransaction(_message.Message):
    __slots__ = ("index", "id", "height", "state")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    index: int
    id: str
    height: int
    state: TxState
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., height: _Optional[int] = ..., state: _Optional[_Union[TxState, str]] = ...) -> None: ...

class SubmitStreamRequest(_message.Message):
    __slots__ = ("transactions",)
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[_chain_pb2.Transaction]
    def __init__(self, transactions: _Optional[_Iterable[_Union[_chain_pb2.Transaction, _Mapping]]] = ...) -> None: ...

class SubmitStreamResponse(_message.Message):
    __slots__ = ("ids", "existing")
    IDS_FIELD_NUMBER: _ClassVar[int]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    existing: _containers.RepeatedCompositeFieldContainer[ExistingTransaction]
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., existing: _Optional[_Iterable[_Union[ExistingTransaction, _Mapping]]] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("id", "stale")
    ID_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    id: str
    stale: bool
    def __init__(self, id: _Optional[str] = ..., stale: _Optional[bool] = ...) -> None: ...

class GetTransactionResponse(_message.Message):
    __slots__ = ("state", "result", "height", "index")
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    state: TxState
    result: _chain_pb2.TxResult
    height: int
    index: int
    def __init__(self, state: _Optional[_Union[TxState, str]] = ..., result: _Optional[_Union[_chain_pb2.TxResult, _Mapping]] = ..., height: _Optional[int] = ..., index: _Optional[int] = ...) -> None: ...

class GetTransactionStatusRequest(_message.Message):
    __slots__ = ("id", "stale")
    ID_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    id: str
    stale: bool
    def __init__(self, id: _Optional[str] = ..., stale: _Optional[bool] = ...) -> None: ...

class GetTransactionStatusResponse(_message.Message):
    __slots__ = ("id", "state", "height", "index", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    state: TxState
    height: int
    index: int
    reason: str
    def __init__(self, id: _Optional[str] = ..., state: _Optional[_Union[TxState, str]] = ..., height: _Optional[int] = ..., index: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...
