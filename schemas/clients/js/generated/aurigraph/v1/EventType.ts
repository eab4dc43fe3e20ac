// Original file: ../../aurigraph/v1/stream.proto

export const EventType = {
  EVENT_TYPE_UNSPECIFIED: 'EVENT_TYPE_UNSPECIFIED',
  /**
   * One per committed block: header and counts, no transactions.
   */
  EVENT_TYPE_BLOCK: 'EVENT_TYPE_BLOCK',
  /**
   * One per transaction of a committed block, after that block's event.
   */
  EVENT_TYPE_TX: 'EVENT_TYPE_TX',
  /**
   * Throughput of the last completed wall-clock second, once a second.
   */
  EVENT_TYPE_TPS: 'EVENT_TYPE_TPS',
  /**
   * Leader changes and membership changes of the validator set.
   */
  EVENT_TYPE_VALIDATOR: 'EVENT_TYPE_VALIDATOR',
  /**
   * A user-defined alert rule fired or resolved (live only).
   */
  EVENT_TYPE_ALERT: 'EVENT_TYPE_ALERT',
} as const;

export type EventType =
  | 'EVENT_TYPE_UNSPECIFIED'
  | 0
  /**
   * One per committed block: header and counts, no transactions.
   */
  | 'EVENT_TYPE_BLOCK'
  | 1
  /**
   * One per transaction of a committed block, after that block's event.
   */
  | 'EVENT_TYPE_TX'
  | 2
  /**
   * Throughput of the last completed wall-clock second, once a second.
   */
  | 'EVENT_TYPE_TPS'
  | 3
  /**
   * Leader changes and membership changes of the validator set.
   */
  | 'EVENT_TYPE_VALIDATOR'
  | 4
  /**
   * A user-defined alert rule fired or resolved (live only).
   */
  | 'EVENT_TYPE_ALERT'
  | 5

export type EventType__Output = typeof EventType[keyof typeof EventType]
