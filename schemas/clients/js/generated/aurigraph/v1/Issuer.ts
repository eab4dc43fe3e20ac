// Original file: ../../aurigraph/v1/chain.proto


export interface Issuer {
  'address'?: (string);
  /**
   * The key that controls the issuer account when it is a named account;
   * empty for an address derived from a key.
   */
  'pubkey'?: (Buffer | Uint8Array | string);
}

export interface Issuer__Output {
  'address': (string);
  /**
   * The key that controls the issuer account when it is a named account;
   * empty for an address derived from a key.
   */
  'pubkey': (Buffer);
}
