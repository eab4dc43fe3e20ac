package analytics

import (
	"context"
	"errors"
	"math"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
	"github.com/aurigraph/aurigraph/stream"
)

// PerformanceService serves aurigraph.v1.PerformanceService: the current
// figures from live (the hub every block passes through) and series and
// forecasts from s, which may be nil where no projection is configured.
func PerformanceService(live func() stream.Performance, s *Service) aurigraphv1.PerformanceServiceServer {
	return &performanceService{live: live, s: s}
}

type performanceService struct {
	aurigraphv1.UnimplementedPerformanceServiceServer
	live func() stream.Performance
	s    *Service
}

func (p *performanceService) Current(context.Context, *aurigraphv1.GetCurrentPerformanceRequest) (*aurigraphv1.GetCurrentPerformanceResponse, error) {
	perf := p.live()
	out := &aurigraphv1.GetCurrentPerformanceResponse{
		CurrentTps: perf.CurrentTPS, CurrentBps: perf.CurrentBPS, PeakTps: perf.PeakTPS, AvgTps_60S: perf.AvgTPS60s,
		LatencyP50Ms: perf.LatencyMs.P50, LatencyP99Ms: perf.LatencyMs.P99, Height: perf.Height,
	}
	for _, sec := range perf.Recent {
		out.Recent = append(out.Recent, &aurigraphv1.SecondStats{Second: sec.T, Tps: sec.TPS, Bps: sec.BPS})
	}
	return out, nil
}

// grpcStatus maps the service's errors as the REST handler maps them to
// HTTP: bad input, a query too slow, or ClickHouse failing.
func grpcStatus(err error) error {
	switch {
	case errors.Is(err, ErrBadRequest):
		msg := err.Error()
		return rpc.BadRequest(msg, rpc.FieldViolation{Field: "request", Description: msg})
	case errors.Is(err, context.DeadlineExceeded):
		return status.Errorf(codes.DeadlineExceeded, "the query took longer than allowed: narrow the range or use a larger step (%v)", err)
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	default:
		return rpc.Unavailable("ClickHouse query failed: "+err.Error(), time.Second)
	}
}

func (p *performanceService) service() (*Service, error) {
	if p.s == nil {
		return nil, status.Error(codes.Unavailable, "no analytics projection is configured on this server: ask aurigraph dev, or an aurigraph gateway started with --clickhouse")
	}
	return p.s, nil
}

// timeOf reads an optional timestamp; the zero time, which the service
// takes as its default, when it is not set.
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// seconds reads a duration in seconds; 0, the service's default, stays 0.
func seconds(n uint32) time.Duration { return time.Duration(n) * time.Second }

func (p *performanceService) Series(ctx context.Context, in *aurigraphv1.GetSeriesRequest) (*aurigraphv1.GetSeriesResponse, error) {
	s, err := p.service()
	if err != nil {
		return nil, err
	}
	r := RangeOf(timeOf(in.GetFrom()), timeOf(in.GetTo()), time.Now())
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	series, err := s.Series(ctx, Metric(in.GetMetric()), r, seconds(in.GetStepSeconds()))
	if err != nil {
		return nil, grpcStatus(err)
	}
	out := &aurigraphv1.GetSeriesResponse{Metric: string(series.Metric), StepSeconds: uint32(series.Step / time.Second)}
	for _, pt := range series.Points {
		v := float64(pt.V)
		present := !math.IsNaN(v) && !math.IsInf(v, 0)
		if !present {
			v = 0
		}
		out.Points = append(out.Points, &aurigraphv1.SeriesPoint{Time: timestamppb.New(pt.T), Value: v, Present: present})
	}
	return out, nil
}

func (p *performanceService) Forecast(ctx context.Context, in *aurigraphv1.GetForecastRequest) (*aurigraphv1.GetForecastResponse, error) {
	s, err := p.service()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	f, err := s.Forecast(ctx, ForecastRequest{
		Metric: Metric(in.GetMetric()), To: timeOf(in.GetTo()), Step: seconds(in.GetStepSeconds()), History: seconds(in.GetHistorySeconds()),
		Season: int(in.GetSeason()), Horizon: int(in.GetHorizon()), Coverage: in.GetCoverage(),
	})
	if err != nil {
		return nil, grpcStatus(err)
	}
	out := &aurigraphv1.GetForecastResponse{Metric: string(f.Metric), Season: uint32(f.Season), Coverage: f.Coverage}
	for _, pt := range f.Points {
		out.Points = append(out.Points, &aurigraphv1.ForecastPoint{Time: timestamppb.New(pt.T), Mean: pt.Mean, Lo: pt.Lo, Hi: pt.Hi})
	}
	return out, nil
}
