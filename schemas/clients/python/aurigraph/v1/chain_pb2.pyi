from aurigraph.v1 import alerts_pb2 as _alerts_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TxType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TX_TYPE_UNSPECIFIED: _ClassVar[TxType]
    TX_TYPE_TRANSFER: _ClassVar[TxType]
    TX_TYPE_MINT: _ClassVar[TxType]
    TX_TYPE_ASSET_CREATE: _ClassVar[TxType]
    TX_TYPE_ASSET_TRANSFER: _ClassVar[TxType]
    TX_TYPE_SET_KEY: _ClassVar[TxType]

class TxStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TX_STATUS_UNSPECIFIED: _ClassVar[TxStatus]
    TX_STATUS_COMMITTED: _ClassVar[TxStatus]
    TX_STATUS_FAILED: _ClassVar[TxStatus]
TX_TYPE_UNSPECIFIED: TxType
TX_TYPE_TRANSFER: TxType
TX_TYPE_MINT: TxType
TX_TYPE_ASSET_CREATE: TxType
TX_TYPE_ASSET_TRANSFER: TxType
TX_TYPE_SET_KEY: TxType
TX_STATUS_UNSPECIFIED: TxStatus
TX_STATUS_COMMITTED: TxStatus
TX_STATUS_FAILED: TxStatus

class Transaction(_message.Message):
    __slots__ = ("id", "type", "to", "amount", "asset", "nonce", "payload", "timestamp_ms", "pubkey", "sig", "submitted_ms", "new_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    SIG_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_MS_FIELD_NUMBER: _ClassVar[int]
    NEW_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: TxType
    to: str
    amount: int
    asset: str
    nonce: int
    payload: bytes
    timestamp_ms: int
    pubkey: bytes
    sig: bytes
    submitted_ms: int
    new_key: bytes
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[TxType, str]] = ..., to: _Optional[str] = ..., amount: _Optional[int] = ..., asset: _Optional[str] = ..., nonce: _Optional[int] = ..., payload: _Optional[bytes] = ..., timestamp_ms: _Optional[int] = ..., pubkey: _Optional[bytes] = ..., sig: _Optional[bytes] = ..., submitted_ms: _Optional[int] = ..., new_key: _Optional[bytes] = ..., **kwargs) -> None: ...

class TxResult(_message.Message):
    __slots__ = ("tx", "status", "reason")
    TX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tx: Transaction
    status: TxStatus
    reason: str
    def __init__(self, tx: _Optional[_Union[Transaction, _Mapping]] = ..., status: _Optional[_Union[TxStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class SourceRange(_message.Message):
    __slots__ = ("topic", "partition", "start_offset", "end_offset", "topic_id", "replaces_topic_id")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACES_TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    topic: str
    partition: int
    start_offset: int
    end_offset: int
    topic_id: bytes
    replaces_topic_id: bytes
    def __init__(self, topic: _Optional[str] = ..., partition: _Optional[int] = ..., start_offset: _Optional[int] = ..., end_offset: _Optional[int] = ..., topic_id: _Optional[bytes] = ..., replaces_topic_id: _Optional[bytes] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("proposer", "timestamp_ms", "sources", "txs", "proposal_id", "genesis", "validator_key", "format_version", "alert")
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    TXS_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    GENESIS_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_KEY_FIELD_NUMBER: _ClassVar[int]
    FORMAT_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    proposer: int
    timestamp_ms: int
    sources: _containers.RepeatedCompositeFieldContainer[SourceRange]
    txs: _containers.RepeatedCompositeFieldContainer[Transaction]
    proposal_id: int
    genesis: Genesis
    validator_key: ValidatorKey
    format_version: int
    alert: _alerts_pb2.AlertEntry
    def __init__(self, proposer: _Optional[int] = ..., timestamp_ms: _Optional[int] = ..., sources: _Optional[_Iterable[_Union[SourceRange, _Mapping]]] = ..., txs: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., proposal_id: _Optional[int] = ..., genesis: _Optional[_Union[Genesis, _Mapping]] = ..., validator_key: _Optional[_Union[ValidatorKey, _Mapping]] = ..., format_version: _Optional[int] = ..., alert: _Optional[_Union[_alerts_pb2.AlertEntry, _Mapping]] = ...) -> None: ...

class Genesis(_message.Message):
    __slots__ = ("chain_id", "require_signatures", "issuers", "max_block_bytes", "max_timestamp_skew_ms")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    ISSUERS_FIELD_NUMBER: _ClassVar[int]
    MAX_BLOCK_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TIMESTAMP_SKEW_MS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    require_signatures: bool
    issuers: _containers.RepeatedCompositeFieldContainer[Issuer]
    max_block_bytes: int
    max_timestamp_skew_ms: int
    def __init__(self, chain_id: _Optional[str] = ..., require_signatures: _Optional[bool] = ..., issuers: _Optional[_Iterable[_Union[Issuer, _Mapping]]] = ..., max_block_bytes: _Optional[int] = ..., max_timestamp_skew_ms: _Optional[int] = ...) -> None: ...

class Issuer(_message.Message):
    __slots__ = ("address", "pubkey")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    address: str
    pubkey: bytes
    def __init__(self, address: _Optional[str] = ..., pubkey: _Optional[bytes] = ...) -> None: ...

class ValidatorKey(_message.Message):
    __slots__ = ("id", "pubkey", "proof")
    ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    id: int
    pubkey: bytes
    proof: bytes
    def __init__(self, id: _Optional[int] = ..., pubkey: _Optional[bytes] = ..., proof: _Optional[bytes] = ...) -> None: ...

class ValidatorKeyRecord(_message.Message):
    __slots__ = ("id", "pubkey", "retired_at_height")
    ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    RETIRED_AT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    id: int
    pubkey: bytes
    retired_at_height: int
    def __init__(self, id: _Optional[int] = ..., pubkey: _Optional[bytes] = ..., retired_at_height: _Optional[int] = ...) -> None: ...

class BlockHeader(_message.Message):
    __slots__ = ("height", "hash", "prev_hash", "tx_root", "timestamp_ms", "proposer", "raft_term", "raft_index", "tx_count", "failed_count", "sources")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    TX_ROOT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    RAFT_TERM_FIELD_NUMBER: _ClassVar[int]
    RAFT_INDEX_FIELD_NUMBER: _ClassVar[int]
    TX_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    height: int
    hash: bytes
    prev_hash: bytes
    tx_root: bytes
    timestamp_ms: int
    proposer: int
    raft_term: int
    raft_index: int
    tx_count: int
    failed_count: int
    sources: _containers.RepeatedCompositeFieldContainer[SourceRange]
    def __init__(self, height: _Optional[int] = ..., hash: _Optional[bytes] = ..., prev_hash: _Optional[bytes] = ..., tx_root: _Optional[bytes] = ..., timestamp_ms: _Optional[int] = ..., proposer: _Optional[int] = ..., raft_term: _Optional[int] = ..., raft_index: _Optional[int] = ..., tx_count: _Optional[int] = ..., failed_count: _Optional[int] = ..., sources: _Optional[_Iterable[_Union[SourceRange, _Mapping]]] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("header", "txs")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TXS_FIELD_NUMBER: _ClassVar[int]
    header: BlockHeader
    txs: _containers.RepeatedCompositeFieldContainer[TxResult]
    def __init__(self, header: _Optional[_Union[BlockHeader, _Mapping]] = ..., txs: _Optional[_Iterable[_Union[TxResult, _Mapping]]] = ...) -> None: ...

class BlockEvent(_message.Message):
    __slots__ = ("block", "committed_ms", "signer", "signature")
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_MS_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    block: Block
    committed_ms: int
    signer: int
    signature: bytes
    def __init__(self, block: _Optional[_Union[Block, _Mapping]] = ..., committed_ms: _Optional[int] = ..., signer: _Optional[int] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("asset", "amount")
    ASSET_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    asset: str
    amount: int
    def __init__(self, asset: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("address", "nonce", "balances", "key")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    address: str
    nonce: int
    balances: _containers.RepeatedCompositeFieldContainer[Balance]
    key: bytes
    def __init__(self, address: _Optional[str] = ..., nonce: _Optional[int] = ..., balances: _Optional[_Iterable[_Union[Balance, _Mapping]]] = ..., key: _Optional[bytes] = ...) -> None: ...

class AssetInfo(_message.Message):
    __slots__ = ("name", "owner", "supply")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    SUPPLY_FIELD_NUMBER: _ClassVar[int]
    name: str
    owner: str
    supply: int
    def __init__(self, name: _Optional[str] = ..., owner: _Optional[str] = ..., supply: _Optional[int] = ...) -> None: ...

class PartitionOffset(_message.Message):
    __slots__ = ("topic", "partition", "next_offset", "topic_id")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    NEXT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    topic: str
    partition: int
    next_offset: int
    topic_id: bytes
    def __init__(self, topic: _Optional[str] = ..., partition: _Optional[int] = ..., next_offset: _Optional[int] = ..., topic_id: _Optional[bytes] = ...) -> None: ...

class StateSnapshot(_message.Message):
    __slots__ = ("height", "last_hash", "tx_count", "accounts", "assets", "offsets", "recent_tx_ids", "applied_index", "applied_term", "members", "recent_tx_digests", "genesis", "validator_keys", "format_version", "alerts")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LAST_HASH_FIELD_NUMBER: _ClassVar[int]
    TX_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    OFFSETS_FIELD_NUMBER: _ClassVar[int]
    RECENT_TX_IDS_FIELD_NUMBER: _ClassVar[int]
    APPLIED_INDEX_FIELD_NUMBER: _ClassVar[int]
    APPLIED_TERM_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    RECENT_TX_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    GENESIS_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_KEYS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    height: int
    last_hash: bytes
    tx_count: int
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    assets: _containers.RepeatedCompositeFieldContainer[AssetInfo]
    offsets: _containers.RepeatedCompositeFieldContainer[PartitionOffset]
    recent_tx_ids: _containers.RepeatedScalarFieldContainer[str]
    applied_index: int
    applied_term: int
    members: _containers.RepeatedCompositeFieldContainer[MemberContext]
    recent_tx_digests: bytes
    genesis: Genesis
    validator_keys: _containers.RepeatedCompositeFieldContainer[ValidatorKeyRecord]
    format_version: int
    alerts: _alerts_pb2.AlertState
    def __init__(self, height: _Optional[int] = ..., last_hash: _Optional[bytes] = ..., tx_count: _Optional[int] = ..., accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., assets: _Optional[_Iterable[_Union[AssetInfo, _Mapping]]] = ..., offsets: _Optional[_Iterable[_Union[PartitionOffset, _Mapping]]] = ..., recent_tx_ids: _Optional[_Iterable[str]] = ..., applied_index: _Optional[int] = ..., applied_term: _Optional[int] = ..., members: _Optional[_Iterable[_Union[MemberContext, _Mapping]]] = ..., recent_tx_digests: _Optional[bytes] = ..., genesis: _Optional[_Union[Genesis, _Mapping]] = ..., validator_keys: _Optional[_Iterable[_Union[ValidatorKeyRecord, _Mapping]]] = ..., format_version: _Optional[int] = ..., alerts: _Optional[_Union[_alerts_pb2.AlertState, _Mapping]] = ...) -> None: ...

class MemberContext(_message.Message):
    __slots__ = ("id", "raft_address")
    ID_FIELD_NUMBER: _ClassVar[int]
    RAFT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    id: int
    raft_address: str
    def __init__(self, id: _Optional[int] = ..., raft_address: _Optional[str] = ...) -> None: ...
