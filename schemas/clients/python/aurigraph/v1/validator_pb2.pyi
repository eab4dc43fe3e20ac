from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ValidatorRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALIDATOR_ROLE_UNSPECIFIED: _ClassVar[ValidatorRole]
    VALIDATOR_ROLE_LEADER: _ClassVar[ValidatorRole]
    VALIDATOR_ROLE_FOLLOWER: _ClassVar[ValidatorRole]
    VALIDATOR_ROLE_LEARNER: _ClassVar[ValidatorRole]
VALIDATOR_ROLE_UNSPECIFIED: ValidatorRole
VALIDATOR_ROLE_LEADER: ValidatorRole
VALIDATOR_ROLE_FOLLOWER: ValidatorRole
VALIDATOR_ROLE_LEARNER: ValidatorRole

class Validator(_message.Message):
    __slots__ = ("id", "raft_address", "voter", "role", "state", "applied", "match", "replication", "active")
    ID_FIELD_NUMBER: _ClassVar[int]
    RAFT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    VOTER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    REPLICATION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    id: int
    raft_address: str
    voter: bool
    role: ValidatorRole
    state: str
    applied: int
    match: int
    replication: str
    active: bool
    def __init__(self, id: _Optional[int] = ..., raft_address: _Optional[str] = ..., voter: _Optional[bool] = ..., role: _Optional[_Union[ValidatorRole, str]] = ..., state: _Optional[str] = ..., applied: _Optional[int] = ..., match: _Optional[int] = ..., replication: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class ListValidatorsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListValidatorsResponse(_message.Message):
    __slots__ = ("leader", "term", "validators", "answered_by")
    LEADER_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    VALIDATORS_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    leader: int
    term: int
    validators: _containers.RepeatedCompositeFieldContainer[Validator]
    answered_by: int
    def __init__(self, leader: _Optional[int] = ..., term: _Optional[int] = ..., validators: _Optional[_Iterable[_Union[Validator, _Mapping]]] = ..., answered_by: _Optional[int] = ...) -> None: ...

class GetValidatorStatusRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class GetValidatorStatusResponse(_message.Message):
    __slots__ = ("validator", "leader", "term")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    validator: Validator
    leader: int
    term: int
    def __init__(self, validator: _Optional[_Union[Validator, _Mapping]] = ..., leader: _Optional[int] = ..., term: _Optional[int] = ...) -> None: ...

class GetLeaderRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetLeaderResponse(_message.Message):
    __slots__ = ("leader", "term", "raft_address")
    LEADER_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    RAFT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    leader: int
    term: int
    raft_address: str
    def __init__(self, leader: _Optional[int] = ..., term: _Optional[int] = ..., raft_address: _Optional[str] = ...) -> None: ...

class AddMemberRequest(_message.Message):
    __slots__ = ("id", "raft_address")
    ID_FIELD_NUMBER: _ClassVar[int]
    RAFT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    id: int
    raft_address: str
    def __init__(self, id: _Optional[int] = ..., raft_address: _Optional[str] = ...) -> None: ...

class AddMemberResponse(_message.Message):
    __slots__ = ("validators",)
    VALIDATORS_FIELD_NUMBER: _ClassVar[int]
    validators: _containers.RepeatedCompositeFieldContainer[Validator]
    def __init__(self, validators: _Optional[_Iterable[_Union[Validator, _Mapping]]] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = ("validators",)
    VALIDATORS_FIELD_NUMBER: _ClassVar[int]
    validators: _containers.RepeatedCompositeFieldContainer[Validator]
    def __init__(self, validators: _Optional[_Iterable[_Union[Validator, _Mapping]]] = ...) -> None: ...
