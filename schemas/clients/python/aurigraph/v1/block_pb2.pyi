from aurigraph.v1 import chain_pb2 as _chain_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetBlockRequest(_message.Message):
    __slots__ = ("height", "hash", "stale")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    height: int
    hash: bytes
    stale: bool
    def __init__(self, height: _Optional[int] = ..., hash: _Optional[bytes] = ..., stale: _Optional[bool] = ...) -> None: ...

class GetBlockResponse(_message.Message):
    __slots__ = ("block",)
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    block: _chain_pb2.Block
    def __init__(self, block: _Optional[_Union[_chain_pb2.Block, _Mapping]] = ...) -> None: ...

class ListBlocksRequest(_message.Message):
    __slots__ = ("from_height", "to_height", "limit", "headers_only", "stale")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TO_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    HEADERS_ONLY_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    to_height: int
    limit: int
    headers_only: bool
    stale: bool
    def __init__(self, from_height: _Optional[int] = ..., to_height: _Optional[int] = ..., limit: _Optional[int] = ..., headers_only: _Optional[bool] = ..., stale: _Optional[bool] = ...) -> None: ...

class ListBlocksResponse(_message.Message):
    __slots__ = ("blocks", "next_height", "head_height")
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEAD_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    blocks: _containers.RepeatedCompositeFieldContainer[_chain_pb2.Block]
    next_height: int
    head_height: int
    def __init__(self, blocks: _Optional[_Iterable[_Union[_chain_pb2.Block, _Mapping]]] = ..., next_height: _Optional[int] = ..., head_height: _Optional[int] = ...) -> None: ...

class GetLatestBlockRequest(_message.Message):
    __slots__ = ("stale",)
    STALE_FIELD_NUMBER: _ClassVar[int]
    stale: bool
    def __init__(self, stale: _Optional[bool] = ...) -> None: ...

class GetLatestBlockResponse(_message.Message):
    __slots__ = ("block",)
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    block: _chain_pb2.Block
    def __init__(self, block: _Optional[_Union[_chain_pb2.Block, _Mapping]] = ...) -> None: ...
