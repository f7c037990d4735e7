/**
 * The one error type the validator throws. Every refusal of a presented credential (a TLS
 * client's certificate chain) is a CredentialError with a stable machine-readable `code`
 * and a message written for the person who presented the credential: it names the
 * certificate at fault and, where there is one, the command that fixes it.
 */

/** Every code a CredentialError may carry. */
export type CredentialErrorCode =
  | 'BAD_CERTIFICATE' // not a parsable certificate, or a forbidden/duplicate/unknown critical extension
  | 'BAD_SIGNATURE' // a link's signature does not verify with the named issuer's key
  | 'BAD_PROXY' // an RFC 3820 proxy breaks a structural rule (non-critical ProxyCertInfo, CA, SAN...)
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_REVOKED'
  | 'CRL_EXPIRED' // the CA's CRL is past its nextUpdate: run fetch-crl
  | 'CRL_UNUSABLE' // a CRL file of the CA cannot be parsed, does not verify or is not yet valid: run fetch-crl
  | 'UNKNOWN_CA' // the path does not end at a trusted CA
  | 'INCOMPLETE_CHAIN' // a proxy's issuer (proxy or EEC) was not presented
  | 'LEGACY_PROXY' // a pre-RFC (Globus legacy or GT3 draft) proxy
  | 'INDEPENDENT_PROXY'
  | 'UNKNOWN_PROXY_POLICY'
  | 'PROXY_NAME_MISMATCH'
  | 'PATH_LENGTH_EXCEEDED'
  | 'ISSUER_NOT_CA' // a non-proxy certificate issued by something that is not a CA
  | 'NOT_END_ENTITY' // the identity certificate under the proxies is itself a CA
  | 'SIGNING_POLICY'; // the CA's .signing_policy does not allow the issued DN

export class CredentialError extends Error {
  readonly code: CredentialErrorCode;

  constructor(code: CredentialErrorCode, message: string) {
    super(message);
    this.name = 'CredentialError';
    this.code = code;
  }
}

/** What to tell the owner of a refused legacy, draft or independent proxy. */
export const RFC_PROXY_HINT = 'make an RFC 3820 proxy with `grid-proxy-init -rfc` (or `voms-proxy-init -rfc`)';

/** Throws a CredentialError; a shorthand that keeps the checks one line each. */
export function refuse(code: CredentialErrorCode, message: string): never {
  throw new CredentialError(code, message);
}
