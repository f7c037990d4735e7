/**
 * What a validated credential proves: whose it is (the EEC's subject DN in OpenSSL slash
 * form, never truncated: only verified proxy links are peeled), and how it was presented.
 */
export interface Identity {
  /** The end-entity certificate's subject, e.g. `/C=CA/O=Grid/OU=uvic.ca/CN=Bob Smith`. */
  dn: string;
  /** The EEC's issuer (its CA). */
  issuerDn: string;
  /** `proxy` when the leaf is an RFC 3820 proxy, `eec` when it is the EEC itself. */
  kind: 'eec' | 'proxy';
  /** True when any proxy of the chain is limited. */
  limited: boolean;
  /** Number of proxies above the EEC (0 for an EEC). */
  proxyDepth: number;
  /** True when a proxy carries a VOMS attribute certificate extension. */
  voms: boolean;
  /** The earliest notAfter of the path: when this credential stops being valid. */
  notAfter: Date;
}
