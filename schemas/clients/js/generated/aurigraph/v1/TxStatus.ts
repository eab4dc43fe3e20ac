// Original file: ../../aurigraph/v1/chain.proto

export const TxStatus = {
  TX_STATUS_UNSPECIFIED: 'TX_STATUS_UNSPECIFIED',
  TX_STATUS_COMMITTED: 'TX_STATUS_COMMITTED',
  TX_STATUS_FAILED: 'TX_STATUS_FAILED',
} as const;

export type TxStatus =
  | 'TX_STATUS_UNSPECIFIED'
  | 0
  | 'TX_STATUS_COMMITTED'
  | 1
  | 'TX_STATUS_FAILED'
  | 2

export type TxStatus__Output = typeof TxStatus[keyof typeof TxStatus]
