package client

import (
	"context"
	"fmt"
	"iter"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Page sizes for Blocks. Headers are a few hundred bytes; a block with its
// transactions can approach 4 MiB, so a full page is kept small enough to
// stay under the client's 64 MiB receive limit.
const (
	headersPage = 1000
	blocksPage  = 16
)

// Block returns the block at height (from 1), with its transactions.
func (c *Client) Block(ctx context.Context, height uint64) (*aurigraphv1.Block, error) {
	req := &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Height{Height: height}}
	resp, err := retry(ctx, c, fmt.Sprintf("get block %d", height), retryRead,
		func(ctx context.Context) (*aurigraphv1.GetBlockResponse, error) { return c.blocks.Get(ctx, req) })
	return resp.GetBlock(), err
}

// BlockByHash returns the block whose header hash is hash (32 bytes).
func (c *Client) BlockByHash(ctx context.Context, hash []byte) (*aurigraphv1.Block, error) {
	req := &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Hash{Hash: hash}}
	resp, err := retry(ctx, c, fmt.Sprintf("get block %x", hash), retryRead,
		func(ctx context.Context) (*aurigraphv1.GetBlockResponse, error) { return c.blocks.Get(ctx, req) })
	return resp.GetBlock(), err
}

// Latest returns the head of the chain; NOT_FOUND while the chain is empty.
func (c *Client) Latest(ctx context.Context) (*aurigraphv1.Block, error) {
	req := &aurigraphv1.GetLatestBlockRequest{}
	resp, err := retry(ctx, c, "get latest block", retryRead,
		func(ctx context.Context) (*aurigraphv1.GetLatestBlockResponse, error) {
			return c.blocks.Latest(ctx, req)
		})
	return resp.GetBlock(), err
}

// Blocks yields the blocks from height from to height to, inclusive (0
// meaning up to the head as the server sees it when the last page is
// served), in order, asking BlockService.List for page after page as the
// consumer goes. With headersOnly the blocks have no transactions. Each page
// is retried like any read; an error that outlasts the retries is yielded
// once and ends the sequence. Breaking out of the loop stops the paging.
func (c *Client) Blocks(ctx context.Context, from, to uint64, headersOnly bool) iter.Seq2[*aurigraphv1.Block, error] {
	limit := uint32(blocksPage)
	if headersOnly {
		limit = headersPage
	}
	return func(yield func(*aurigraphv1.Block, error) bool) {
		// One id for the whole range: it is one logical read to the caller.
		ctx := c.withRequestID(ctx)
		for next := from; ; {
			req := &aurigraphv1.ListBlocksRequest{FromHeight: next, ToHeight: to, Limit: limit, HeadersOnly: headersOnly}
			resp, err := retry(ctx, c, fmt.Sprintf("list blocks %d to %d from %d", from, to, next), retryRead,
				func(ctx context.Context) (*aurigraphv1.ListBlocksResponse, error) { return c.blocks.List(ctx, req) })
			if err != nil {
				yield(nil, err)
				return
			}
			for _, b := range resp.GetBlocks() {
				if !yield(b, nil) {
					return
				}
			}
			switch n := resp.GetNextHeight(); {
			case n == 0:
				return
			case n <= next:
				// Asking again would loop forever on the same page.
				yield(nil, fmt.Errorf("list blocks %d to %d from %d: server gave next height %d, not past the page it answered", from, to, next, n))
				return
			default:
				next = n
			}
		}
	}
}

// Validators lists the validator set as the answering validator sees it.
func (c *Client) Validators(ctx context.Context) (*aurigraphv1.ListValidatorsResponse, error) {
	req := &aurigraphv1.ListValidatorsRequest{}
	return retry(ctx, c, "list validators", retryRead,
		func(ctx context.Context) (*aurigraphv1.ListValidatorsResponse, error) {
			return c.validators.List(ctx, req)
		})
}

// Leader returns the current leader (0 while there is none) and term.
func (c *Client) Leader(ctx context.Context) (*aurigraphv1.GetLeaderResponse, error) {
	req := &aurigraphv1.GetLeaderRequest{}
	return retry(ctx, c, "get leader", retryRead,
		func(ctx context.Context) (*aurigraphv1.GetLeaderResponse, error) {
			return c.validators.Leader(ctx, req)
		})
}

// Performance returns throughput and latency over the last minute.
func (c *Client) Performance(ctx context.Context) (*aurigraphv1.GetCurrentPerformanceResponse, error) {
	req := &aurigraphv1.GetCurrentPerformanceRequest{}
	return retry(ctx, c, "get current performance", retryRead,
		func(ctx context.Context) (*aurigraphv1.GetCurrentPerformanceResponse, error) {
			return c.performance.Current(ctx, req)
		})
}

// Health reports the serving status of service ("" for the server as a
// whole, or a full name such as aurigraph.v1.TransactionService) from the
// standard grpc.health.v1 service.
func (c *Client) Health(ctx context.Context, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	req := &healthpb.HealthCheckRequest{Service: service}
	resp, err := retry(ctx, c, fmt.Sprintf("health of %q", service), retryRead,
		func(ctx context.Context) (*healthpb.HealthCheckResponse, error) {
			return healthpb.NewHealthClient(c.conn).Check(ctx, req)
		})
	return resp.GetStatus(), err
}
