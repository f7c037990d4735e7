/**
 * Parsing the VOMS attribute certificates (RFC 5755 ACs) that a VOMS proxy carries in its
 * extension 1.3.6.1.4.1.8005.100.100.5: holder, issuer, validity, the FQANs (attribute
 * 1.3.6.1.4.1.8005.100.100.4, with the `vo://host:port` policy authority), the VOMS server's
 * certificates (AC extension 1.3.6.1.4.1.8005.100.100.10), the targets (2.5.29.55) and the
 * other AC extensions. The strict DER reader keeps the exact signed bytes (AttributeCertificateInfo)
 * for the signature check; no ASN.1 library models VOMS ACs. Parsing decides nothing about
 * trust (voms-validator.ts does); malformed input throws DerError.
 */
import { Certificate } from './certificate.js';
import { DerError, type DerElement, TAG, decodeInteger, decodeOid, readChildren, readOnly } from './der-reader.js';
import { formatDn, parseRdns } from './distinguished-name.js';
import { canonicalName } from './subject-hash.js';

export const VOMS_OID = {
  /** Proxy extension: SEQUENCE OF SEQUENCE OF AttributeCertificate. */
  acSequence: '1.3.6.1.4.1.8005.100.100.5',
  /** AC attribute: IetfAttrSyntax holding the FQANs. */
  fqans: '1.3.6.1.4.1.8005.100.100.4',
  /** AC extension: the VOMS server's certificate (chain). */
  acCerts: '1.3.6.1.4.1.8005.100.100.10',
  /** AC extension: VOMS generic attributes (tags). */
  tags: '1.3.6.1.4.1.8005.100.100.11',
  targets: '2.5.29.55',
  noRevAvail: '2.5.29.56',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

/**
 * A name as the AC states it: its DER, and (computed on first use) its OpenSSL slash form and
 * the canonical key certificates' names are matched by. Most checks settle on equal DER.
 */
export class AcName {
  readonly der: Buffer;
  private cachedKey?: string;

  constructor(der: Buffer) {
    this.der = der;
  }

  get dn(): string {
    return formatDn(this.der);
  }

  get key(): string {
    this.cachedKey ??= canonicalName(parseRdns(this.der)).toString('hex');
    return this.cachedKey;
  }

  /** Whether this is the name `der` (whose canonical key is `key`): equal bytes, or equal canonical forms. */
  is(der: Buffer, key: () => string): boolean {
    return this.der.equals(der) || this.key === key();
  }
}

export interface AcExtension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export interface VomsAc {
  /** The whole AttributeCertificate DER. */
  der: Buffer;
  /** The signed bytes (AttributeCertificateInfo). */
  signedBytes: Buffer;
  signatureOid: string;
  signatureParams?: Buffer;
  signature: Buffer;
  /** Holder baseCertificateID: the issuer of the holder's certificate and its serial (hex). */
  holder?: { issuer: AcName[]; serialHex: string };
  /** The issuer names of the AC (v2Form issuerName, or v1Form). */
  issuer: AcName[];
  notBefore: Date;
  notAfter: Date;
  /** From the policy authority `vo://host:port` of the FQAN attribute. */
  vo?: string;
  host?: string;
  port?: string;
  fqans: string[];
  /** The certificates of AC extension 1.3.6.1.4.1.8005.100.100.10, VOMS server first. */
  certificates: Certificate[];
  /** Names listed by the targeting extension; undefined when the AC has none. */
  targets?: string[];
  /** The keyIdentifier of the authority key identifier extension, if present. */
  authorityKeyId?: Buffer;
  extensions: AcExtension[];
}

const CONTEXT = (n: number, constructed = true): number => (constructed ? 0xa0 : 0x80) | n;

function expect(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (!el || el.tag !== tag) throw new DerError(`bad ${what}`);
  return el;
}

/** The directoryName entries of GeneralNames (given as its list of GeneralName elements). */
function directoryNames(names: DerElement[]): AcName[] {
  return names.filter((n) => n.tag === CONTEXT(4)).map((n) => new AcName(readOnly(n.content, TAG.SEQUENCE).bytes));
}

/** A GeneralName as text: dNSName, URI (its host) or directoryName; undefined otherwise. */
function generalNameText(n: DerElement): string | undefined {
  if (n.tag === CONTEXT(2, false)) return n.content.toString('latin1');
  if (n.tag === CONTEXT(6, false)) return n.content.toString('latin1');
  if (n.tag === CONTEXT(4)) return new AcName(readOnly(n.content, TAG.SEQUENCE).bytes).dn;
  return undefined;
}

function readTime(el: DerElement | undefined): Date {
  const text = expect(el, TAG.GENERALIZED_TIME, 'AC validity').content.toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new DerError(`bad GeneralizedTime ${text}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

function parseHolder(el: DerElement): VomsAc['holder'] {
  const base = readChildren(el).find((c) => c.tag === CONTEXT(0));
  if (!base) return undefined;
  const [issuer, serial] = readChildren(base);
  const names = directoryNames(readChildren(expect(issuer, TAG.SEQUENCE, 'AC holder issuer')));
  const value = decodeInteger(expect(serial, TAG.INTEGER, 'AC holder serial').content);
  return { issuer: names, serialHex: (value < 0n ? '-' : '') + (value < 0n ? -value : value).toString(16) };
}

function parseIssuer(el: DerElement): AcName[] {
  if (el.tag === TAG.SEQUENCE) return directoryNames(readChildren(el)); // v1Form
  if (el.tag !== CONTEXT(0)) throw new DerError('bad AC issuer');
  const first = readChildren(el)[0];
  return first?.tag === TAG.SEQUENCE ? directoryNames(readChildren(first)) : [];
}

/** The FQAN attribute: policy authority `vo://host:port` and the FQAN strings. */
function parseFqans(values: DerElement): Pick<VomsAc, 'vo' | 'host' | 'port' | 'fqans'> {
  const out: Pick<VomsAc, 'vo' | 'host' | 'port' | 'fqans'> = { fqans: [] };
  for (const syntax of readChildren(values)) {
    for (const part of readChildren(expect(syntax, TAG.SEQUENCE, 'IetfAttrSyntax'))) {
      if (part.tag === CONTEXT(0)) {
        const uri = readChildren(part).map(generalNameText).find((t) => t !== undefined);
        const m = uri === undefined ? null : /^([^:/]*):\/\/([^:/]*)(?::(\d+))?$/.exec(uri);
        if (m) {
          out.vo = m[1] as string;
          out.host = m[2] as string;
          if (m[3] !== undefined) out.port = m[3];
        }
      } else if (part.tag === TAG.SEQUENCE) {
        for (const v of readChildren(part)) {
          if (v.tag !== TAG.OCTET_STRING && v.tag !== TAG.UTF8_STRING) throw new DerError('an FQAN is not a string');
          out.fqans.push(v.content.toString('utf8'));
        }
      }
    }
  }
  return out;
}

type ParseCertificate = (der: Buffer) => Certificate;

/** ACCerts: SEQUENCE OF SEQUENCE OF Certificate (VOMS writes one list with the server's cert). */
function parseAcCerts(value: Buffer, parse: ParseCertificate): Certificate[] {
  return readChildren(readOnly(value, TAG.SEQUENCE)).flatMap((list) =>
    readChildren(expect(list, TAG.SEQUENCE, 'AC certificate list')).map((c) => parse(c.bytes)));
}

/** Targets as VOMS writes them: SEQUENCE OF SEQUENCE OF [0] GeneralName (RFC 5755 targetName). */
function parseTargets(value: Buffer): string[] {
  const names: string[] = [];
  for (const targets of readChildren(readOnly(value, TAG.SEQUENCE))) {
    for (const target of readChildren(expect(targets, TAG.SEQUENCE, 'AC targets'))) {
      if (target.tag !== CONTEXT(0)) continue; // targetGroup, targetCert: name no host
      const text = generalNameText(readOnly(target.content));
      if (text !== undefined) names.push(text);
    }
  }
  return names;
}

function parseExtensions(el: DerElement): AcExtension[] {
  const out: AcExtension[] = [];
  for (const ext of readChildren(el)) {
    const parts = readChildren(expect(ext, TAG.SEQUENCE, 'AC extension'));
    const oid = decodeOid(expect(parts[0], TAG.OID, 'AC extension id').content);
    const critical = parts[1]?.tag === TAG.BOOLEAN ? parts[1].content[0] !== 0 : false;
    const value = expect(parts[parts.length - 1], TAG.OCTET_STRING, 'AC extension value').content;
    if (out.some((e) => e.oid === oid)) throw new DerError(`duplicate AC extension ${oid}`);
    out.push({ oid, critical, value: Buffer.from(value) });
  }
  return out;
}

/**
 * Parses one AttributeCertificate. `parseCertificate` parses the embedded server certificates
 * (a validator passes a cached parser: one server signs every AC of its VO).
 */
export function parseVomsAc(der: Buffer, parseCertificate: ParseCertificate = (d) => Certificate.fromDer(d)): VomsAc {
  const [info, alg, sig] = readChildren(readOnly(der, TAG.SEQUENCE));
  const fields = readChildren(expect(info, TAG.SEQUENCE, 'AttributeCertificateInfo'));
  const [version, holder, issuer, , serial, validity, attributes, ...rest] = fields;
  if (decodeInteger(expect(version, TAG.INTEGER, 'AC version').content) !== 1n) throw new DerError('not a v2 attribute certificate');
  expect(serial, TAG.INTEGER, 'AC serial');
  const [notBefore, notAfter] = readChildren(expect(validity, TAG.SEQUENCE, 'AC validity'));
  const algParts = readChildren(expect(alg, TAG.SEQUENCE, 'AC signature algorithm'));
  const bits = expect(sig, TAG.BIT_STRING, 'AC signature');
  const extEl = rest.find((e) => e.tag === TAG.SEQUENCE);
  const extensions = extEl ? parseExtensions(extEl) : [];
  const ext = (oid: string): AcExtension | undefined => extensions.find((e) => e.oid === oid);

  let fqans: Pick<VomsAc, 'vo' | 'host' | 'port' | 'fqans'> = { fqans: [] };
  for (const attr of readChildren(expect(attributes, TAG.SEQUENCE, 'AC attributes'))) {
    const [type, values] = readChildren(expect(attr, TAG.SEQUENCE, 'AC attribute'));
    if (decodeOid(expect(type, TAG.OID, 'AC attribute type').content) === VOMS_OID.fqans) {
      fqans = parseFqans(expect(values, TAG.SET, 'FQAN values'));
    }
  }
  const aki = ext(VOMS_OID.authorityKeyIdentifier);
  const keyId = aki ? readChildren(readOnly(aki.value, TAG.SEQUENCE)).find((c) => c.tag === CONTEXT(0, false)) : undefined;
  const certs = ext(VOMS_OID.acCerts);
  const targets = ext(VOMS_OID.targets);
  const holderInfo = parseHolder(expect(holder, TAG.SEQUENCE, 'AC holder'));
  const params = algParts[1];
  return {
    der,
    signedBytes: (info as DerElement).bytes,
    signatureOid: decodeOid(expect(algParts[0], TAG.OID, 'AC signature algorithm').content),
    ...(params ? { signatureParams: params.bytes } : {}),
    signature: bits.content.subarray(1),
    ...(holderInfo ? { holder: holderInfo } : {}),
    issuer: parseIssuer(issuer as DerElement),
    notBefore: readTime(notBefore),
    notAfter: readTime(notAfter),
    ...fqans,
    certificates: certs ? parseAcCerts(certs.value, parseCertificate) : [],
    ...(targets ? { targets: parseTargets(targets.value) } : {}),
    ...(keyId ? { authorityKeyId: Buffer.from(keyId.content) } : {}),
    extensions,
  };
}

/** The DER of every AC in a proxy's VOMS extension value (SEQUENCE OF SEQUENCE OF AC). */
export function splitVomsAcs(extensionValue: Buffer): Buffer[] {
  const outer = readOnly(extensionValue, TAG.SEQUENCE);
  return readChildren(outer).flatMap((list) => readChildren(expect(list, TAG.SEQUENCE, 'AC list')).map((ac) => ac.bytes));
}
