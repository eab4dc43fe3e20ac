// Original file: ../../aurigraph/v1/transaction.proto

/**
 * Where a transaction is in its life.
 */
export const TxState = {
  TX_STATE_UNSPECIFIED: 'TX_STATE_UNSPECIFIED',
  /**
   * Accepted into the log, not yet in a block.
   */
  TX_STATE_PENDING: 'TX_STATE_PENDING',
  /**
   * In a block, applied.
   */
  TX_STATE_COMMITTED: 'TX_STATE_COMMITTED',
  /**
   * In a block, rejected by the state machine (see reason).
   */
  TX_STATE_FAILED: 'TX_STATE_FAILED',
} as const;

/**
 * Where a transaction is in its life.
 */
export type TxState =
  | 'TX_STATE_UNSPECIFIED'
  | 0
  /**
   * Accepted into the log, not yet in a block.
   */
  | 'TX_STATE_PENDING'
  | 1
  /**
   * In a block, applied.
   */
  | 'TX_STATE_COMMITTED'
  | 2
  /**
   * In a block, rejected by the state machine (see reason).
   */
  | 'TX_STATE_FAILED'
  | 3

/**
 * Where a transaction is in its life.
 */
export type TxState__Output = typeof TxState[keyof typeof TxState]
