// Original file: ../../aurigraph/v1/validator.proto

export const ValidatorRole = {
  VALIDATOR_ROLE_UNSPECIFIED: 'VALIDATOR_ROLE_UNSPECIFIED',
  VALIDATOR_ROLE_LEADER: 'VALIDATOR_ROLE_LEADER',
  VALIDATOR_ROLE_FOLLOWER: 'VALIDATOR_ROLE_FOLLOWER',
  /**
   * Receives the log but does not vote yet.
   */
  VALIDATOR_ROLE_LEARNER: 'VALIDATOR_ROLE_LEARNER',
} as const;

export type ValidatorRole =
  | 'VALIDATOR_ROLE_UNSPECIFIED'
  | 0
  | 'VALIDATOR_ROLE_LEADER'
  | 1
  | 'VALIDATOR_ROLE_FOLLOWER'
  | 2
  /**
   * Receives the log but does not vote yet.
   */
  | 'VALIDATOR_ROLE_LEARNER'
  | 3

export type ValidatorRole__Output = typeof ValidatorRole[keyof typeof ValidatorRole]
