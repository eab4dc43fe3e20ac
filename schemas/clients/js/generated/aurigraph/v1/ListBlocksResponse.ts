// Original file: ../../aurigraph/v1/block.proto

import type { Block as _aurigraph_v1_Block, Block__Output as _aurigraph_v1_Block__Output } from '../../aurigraph/v1/Block';
import type { Long } from '@grpc/proto-loader';

export interface ListBlocksResponse {
  'blocks'?: (_aurigraph_v1_Block)[];
  /**
   * The height to ask for next to continue the range; 0 when it is done.
   */
  'next_height'?: (number | string | Long);
  /**
   * The chain's height when the request was served.
   */
  'head_height'?: (number | string | Long);
}

export interface ListBlocksResponse__Output {
  'blocks': (_aurigraph_v1_Block__Output)[];
  /**
   * The height to ask for next to continue the range; 0 when it is done.
   */
  'next_height': (string);
  /**
   * The chain's height when the request was served.
   */
  'head_height': (string);
}
