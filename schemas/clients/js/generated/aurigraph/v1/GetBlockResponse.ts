// Original file: ../../aurigraph/v1/block.proto

import type { Block as _aurigraph_v1_Block, Block__Output as _aurigraph_v1_Block__Output } from '../../aurigraph/v1/Block';

export interface GetBlockResponse {
  'block'?: (_aurigraph_v1_Block | null);
}

export interface GetBlockResponse__Output {
  'block': (_aurigraph_v1_Block__Output | null);
}
