// Original file: ../../aurigraph/v1/chain.proto

export const TxType = {
  TX_TYPE_UNSPECIFIED: 'TX_TYPE_UNSPECIFIED',
  /**
   * Moves `amount` of `asset` (the native asset when empty) from `from` to `to`.
   */
  TX_TYPE_TRANSFER: 'TX_TYPE_TRANSFER',
  /**
   * Credits `amount` of the native asset to `to` (only an issuer named in
   * the genesis may), or of a created `asset` (only its creator may, which
   * grows its supply). `from` is the minting account.
   */
  TX_TYPE_MINT: 'TX_TYPE_MINT',
  /**
   * Creates asset `asset` owned by `from` with a supply of `amount` credited to `from`.
   */
  TX_TYPE_ASSET_CREATE: 'TX_TYPE_ASSET_CREATE',
  /**
   * Moves `amount` of a created asset from `from` to `to`.
   */
  TX_TYPE_ASSET_TRANSFER: 'TX_TYPE_ASSET_TRANSFER',
  /**
   * Binds `from` to the key in `new_key` (registration: signed by that key)
   * or replaces its key (rotation: signed by the current key).
   */
  TX_TYPE_SET_KEY: 'TX_TYPE_SET_KEY',
} as const;

export type TxType =
  | 'TX_TYPE_UNSPECIFIED'
  | 0
  /**
   * Moves `amount` of `asset` (the native asset when empty) from `from` to `to`.
   */
  | 'TX_TYPE_TRANSFER'
  | 1
  /**
   * Credits `amount` of the native asset to `to` (only an issuer named in
   * the genesis may), or of a created `asset` (only its creator may, which
   * grows its supply). `from` is the minting account.
   */
  | 'TX_TYPE_MINT'
  | 2
  /**
   * Creates asset `asset` owned by `from` with a supply of `amount` credited to `from`.
   */
  | 'TX_TYPE_ASSET_CREATE'
  | 3
  /**
   * Moves `amount` of a created asset from `from` to `to`.
   */
  | 'TX_TYPE_ASSET_TRANSFER'
  | 4
  /**
   * Binds `from` to the key in `new_key` (registration: signed by that key)
   * or replaces its key (rotation: signed by the current key).
   */
  | 'TX_TYPE_SET_KEY'
  | 5

export type TxType__Output = typeof TxType[keyof typeof TxType]
