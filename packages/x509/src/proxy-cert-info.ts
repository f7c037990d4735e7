/**
 * The RFC 3820 ProxyCertInfo extension (OID 1.3.6.1.5.5.7.1.14):
 *
 *   ProxyCertInfo ::= SEQUENCE { pCPathLenConstraint INTEGER (0..MAX) OPTIONAL,
 *                                proxyPolicy ProxyPolicy }
 *   ProxyPolicy   ::= SEQUENCE { policyLanguage OBJECT IDENTIFIER, policy OCTET STRING OPTIONAL }
 *
 * decoded from and encoded to the extension's value bytes.
 */
import { DerError, TAG, decodeInteger, decodeOid, readChildren, readOnly } from './der-reader.js';
import { encodeElement, encodeInteger, encodeOid, encodeSequence } from './der-writer.js';

export interface ProxyCertInfo {
  /** Maximum number of proxies that may be signed beneath this one; absent: unlimited. */
  pathLen?: number;
  /** Dotted OID of the policy language. */
  policyLanguage: string;
  /** The policy bytes, when the language carries one. */
  policy?: Buffer;
}

export function decodeProxyCertInfo(value: Buffer): ProxyCertInfo {
  const seq = readOnly(value, TAG.SEQUENCE);
  const parts = readChildren(seq);
  let pathLen: number | undefined;
  let next = parts.shift();
  if (next?.tag === TAG.INTEGER) {
    const n = decodeInteger(next.content);
    if (n < 0n) throw new DerError('negative pCPathLenConstraint');
    pathLen = n > 0x7fffffffn ? 0x7fffffff : Number(n);
    next = parts.shift();
  }
  if (!next || next.tag !== TAG.SEQUENCE || parts.length > 0) throw new DerError('bad ProxyCertInfo');
  const [language, policy, extra] = readChildren(next);
  if (!language || language.tag !== TAG.OID || extra) throw new DerError('bad ProxyPolicy');
  if (policy && policy.tag !== TAG.OCTET_STRING) throw new DerError('bad ProxyPolicy policy');
  const info: ProxyCertInfo = { policyLanguage: decodeOid(language.content) };
  if (pathLen !== undefined) info.pathLen = pathLen;
  if (policy) info.policy = Buffer.from(policy.content);
  return info;
}

export function encodeProxyCertInfo(info: ProxyCertInfo): Buffer {
  const policy = [encodeOid(info.policyLanguage)];
  if (info.policy) policy.push(encodeElement(TAG.OCTET_STRING, info.policy));
  const parts = info.pathLen === undefined ? [] : [encodeInteger(info.pathLen)];
  parts.push(encodeSequence(policy));
  return encodeSequence(parts);
}
