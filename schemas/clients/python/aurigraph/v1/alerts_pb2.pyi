from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AlertRule(_message.Message):
    __slots__ = ("id", "name", "metric", "condition", "threshold", "window_ms", "for_ms", "webhook_url", "webhook_secret", "webhook_secret_set", "created_ms", "updated_ms", "firing", "last_transition")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    FOR_MS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_SET_FIELD_NUMBER: _ClassVar[int]
    CREATED_MS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_MS_FIELD_NUMBER: _ClassVar[int]
    FIRING_FIELD_NUMBER: _ClassVar[int]
    LAST_TRANSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    metric: str
    condition: str
    threshold: float
    window_ms: int
    for_ms: int
    webhook_url: str
    webhook_secret: str
    webhook_secret_set: bool
    created_ms: int
    updated_ms: int
    firing: bool
    last_transition: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., metric: _Optional[str] = ..., condition: _Optional[str] = ..., threshold: _Optional[float] = ..., window_ms: _Optional[int] = ..., for_ms: _Optional[int] = ..., webhook_url: _Optional[str] = ..., webhook_secret: _Optional[str] = ..., webhook_secret_set: _Optional[bool] = ..., created_ms: _Optional[int] = ..., updated_ms: _Optional[int] = ..., firing: _Optional[bool] = ..., last_transition: _Optional[int] = ...) -> None: ...

class AlertTransition(_message.Message):
    __slots__ = ("id", "rule_id", "rule_name", "metric", "condition", "threshold", "firing", "value", "at_ms", "delivery", "webhook_url", "webhook_secret")
    ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_NAME_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FIRING_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_FIELD_NUMBER: _ClassVar[int]
    id: int
    rule_id: str
    rule_name: str
    metric: str
    condition: str
    threshold: float
    firing: bool
    value: float
    at_ms: int
    delivery: str
    webhook_url: str
    webhook_secret: str
    def __init__(self, id: _Optional[int] = ..., rule_id: _Optional[str] = ..., rule_name: _Optional[str] = ..., metric: _Optional[str] = ..., condition: _Optional[str] = ..., threshold: _Optional[float] = ..., firing: _Optional[bool] = ..., value: _Optional[float] = ..., at_ms: _Optional[int] = ..., delivery: _Optional[str] = ..., webhook_url: _Optional[str] = ..., webhook_secret: _Optional[str] = ...) -> None: ...

class AlertEntry(_message.Message):
    __slots__ = ("put_rule", "create", "delete_rule", "transition", "expect_last", "delivered_id", "delivery")
    PUT_RULE_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    DELETE_RULE_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_FIELD_NUMBER: _ClassVar[int]
    EXPECT_LAST_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    put_rule: AlertRule
    create: bool
    delete_rule: str
    transition: AlertTransition
    expect_last: int
    delivered_id: int
    delivery: str
    def __init__(self, put_rule: _Optional[_Union[AlertRule, _Mapping]] = ..., create: _Optional[bool] = ..., delete_rule: _Optional[str] = ..., transition: _Optional[_Union[AlertTransition, _Mapping]] = ..., expect_last: _Optional[int] = ..., delivered_id: _Optional[int] = ..., delivery: _Optional[str] = ...) -> None: ...

class AlertState(_message.Message):
    __slots__ = ("rules", "history", "next_transition")
    RULES_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    NEXT_TRANSITION_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[AlertRule]
    history: _containers.RepeatedCompositeFieldContainer[AlertTransition]
    next_transition: int
    def __init__(self, rules: _Optional[_Iterable[_Union[AlertRule, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[AlertTransition, _Mapping]]] = ..., next_transition: _Optional[int] = ...) -> None: ...

class CreateAlertRuleRequest(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: AlertRule
    def __init__(self, rule: _Optional[_Union[AlertRule, _Mapping]] = ...) -> None: ...

class CreateAlertRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: AlertRule
    def __init__(self, rule: _Optional[_Union[AlertRule, _Mapping]] = ...) -> None: ...

class ListAlertRulesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAlertRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[AlertRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[AlertRule, _Mapping]]] = ...) -> None: ...

class GetAlertRuleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAlertRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: AlertRule
    def __init__(self, rule: _Optional[_Union[AlertRule, _Mapping]] = ...) -> None: ...

class UpdateAlertRuleRequest(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: AlertRule
    def __init__(self, rule: _Optional[_Union[AlertRule, _Mapping]] = ...) -> None: ...

class UpdateAlertRuleResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: AlertRule
    def __init__(self, rule: _Optional[_Union[AlertRule, _Mapping]] = ...) -> None: ...

class DeleteAlertRuleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteAlertRuleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAlertHistoryRequest(_message.Message):
    __slots__ = ("rule_id", "after", "limit")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    after: int
    limit: int
    def __init__(self, rule_id: _Optional[str] = ..., after: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListAlertHistoryResponse(_message.Message):
    __slots__ = ("transitions",)
    TRANSITIONS_FIELD_NUMBER: _ClassVar[int]
    transitions: _containers.RepeatedCompositeFieldContainer[AlertTransition]
    def __init__(self, transitions: _Optional[_Iterable[_Union[AlertTransition, _Mapping]]] = ...) -> None: ...
