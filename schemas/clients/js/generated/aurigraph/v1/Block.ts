// Original file: ../../aurigraph/v1/chain.proto

import type { BlockHeader as _aurigraph_v1_BlockHeader, BlockHeader__Output as _aurigraph_v1_BlockHeader__Output } from '../../aurigraph/v1/BlockHeader';
import type { TxResult as _aurigraph_v1_TxResult, TxResult__Output as _aurigraph_v1_TxResult__Output } from '../../aurigraph/v1/TxResult';

export interface Block {
  'header'?: (_aurigraph_v1_BlockHeader | null);
  'txs'?: (_aurigraph_v1_TxResult)[];
}

export interface Block__Output {
  'header': (_aurigraph_v1_BlockHeader__Output | null);
  'txs': (_aurigraph_v1_TxResult__Output)[];
}
