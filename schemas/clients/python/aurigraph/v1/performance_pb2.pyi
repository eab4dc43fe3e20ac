import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetCurrentPerformanceRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCurrentPerformanceResponse(_message.Message):
    __slots__ = ("current_tps", "current_bps", "peak_tps", "avg_tps_60s", "latency_p50_ms", "latency_p99_ms", "height", "recent")
    CURRENT_TPS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_BPS_FIELD_NUMBER: _ClassVar[int]
    PEAK_TPS_FIELD_NUMBER: _ClassVar[int]
    AVG_TPS_60S_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_MS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    RECENT_FIELD_NUMBER: _ClassVar[int]
    current_tps: int
    current_bps: int
    peak_tps: int
    avg_tps_60s: float
    latency_p50_ms: float
    latency_p99_ms: float
    height: int
    recent: _containers.RepeatedCompositeFieldContainer[SecondStats]
    def __init__(self, current_tps: _Optional[int] = ..., current_bps: _Optional[int] = ..., peak_tps: _Optional[int] = ..., avg_tps_60s: _Optional[float] = ..., latency_p50_ms: _Optional[float] = ..., latency_p99_ms: _Optional[float] = ..., height: _Optional[int] = ..., recent: _Optional[_Iterable[_Union[SecondStats, _Mapping]]] = ...) -> None: ...

class SecondStats(_message.Message):
    __slots__ = ("second", "tps", "bps")
    SECOND_FIELD_NUMBER: _ClassVar[int]
    TPS_FIELD_NUMBER: _ClassVar[int]
    BPS_FIELD_NUMBER: _ClassVar[int]
    second: int
    tps: int
    bps: int
    def __init__(self, second: _Optional[int] = ..., tps: _Optional[int] = ..., bps: _Optional[int] = ...) -> None: ...

class GetSeriesRequest(_message.Message):
    __slots__ = ("metric", "to", "step_seconds")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    metric: str
    to: _timestamp_pb2.Timestamp
    step_seconds: int
    def __init__(self, metric: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_seconds: _Optional[int] = ..., **kwargs) -> None: ...

class GetSeriesResponse(_message.Message):
    __slots__ = ("metric", "step_seconds", "points")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    metric: str
    step_seconds: int
    points: _containers.RepeatedCompositeFieldContainer[SeriesPoint]
    def __init__(self, metric: _Optional[str] = ..., step_seconds: _Optional[int] = ..., points: _Optional[_Iterable[_Union[SeriesPoint, _Mapping]]] = ...) -> None: ...

class SeriesPoint(_message.Message):
    __slots__ = ("time", "value", "present")
    TIME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    value: float
    present: bool
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[float] = ..., present: _Optional[bool] = ...) -> None: ...

class GetForecastRequest(_message.Message):
    __slots__ = ("metric", "to", "history_seconds", "step_seconds", "season", "horizon", "coverage")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    HISTORY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    metric: str
    to: _timestamp_pb2.Timestamp
    history_seconds: int
    step_seconds: int
    season: int
    horizon: int
    coverage: float
    def __init__(self, metric: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., history_seconds: _Optional[int] = ..., step_seconds: _Optional[int] = ..., season: _Optional[int] = ..., horizon: _Optional[int] = ..., coverage: _Optional[float] = ...) -> None: ...

class GetForecastResponse(_message.Message):
    __slots__ = ("metric", "season", "coverage", "points")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    metric: str
    season: int
    coverage: float
    points: _containers.RepeatedCompositeFieldContainer[ForecastPoint]
    def __init__(self, metric: _Optional[str] = ..., season: _Optional[int] = ..., coverage: _Optional[float] = ..., points: _Optional[_Iterable[_Union[ForecastPoint, _Mapping]]] = ...) -> None: ...

class ForecastPoint(_message.Message):
    __slots__ = ("time", "mean", "lo", "hi")
    TIME_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    LO_FIELD_NUMBER: _ClassVar[int]
    HI_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    mean: float
    lo: float
    hi: float
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mean: _Optional[float] = ..., lo: _Optional[float] = ..., hi: _Optional[float] = ...) -> None: ...
