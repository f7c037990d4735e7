/**
 * A light look at a chain that ChainValidator has already accepted, for the VOMS check: which
 * proxy carries the ACs (the one nearest the leaf) and the EEC's names and serial. It reads
 * only the DER fields it needs, because parsing whole certificates again would cost a cold
 * login several times what the AC check itself costs (see bench/voms-bench.ts).
 */
import { Certificate } from './certificate.js';
import { DerError, type DerElement, TAG, decodeInteger, readChildren, readOnly } from './der-reader.js';
import { encodeOid } from './der-writer.js';
import { formatDn, parseRdns } from './distinguished-name.js';
import { OID } from './oids.js';
import { canonicalName } from './subject-hash.js';
import { VOMS_OID } from './voms-ac.js';

/** What the holder check needs of the EEC (keys and DNs computed on first use). */
export interface HolderCertificate {
  subjectDer: Buffer;
  issuerDer: Buffer;
  readonly subjectDn: string;
  readonly issuerDn: string;
  readonly subjectKey: string;
  readonly issuerKey: string;
  serialHex: string;
}

interface LightCertificate {
  isProxy: boolean;
  vomsValue?: Buffer;
  issuer: Buffer;
  subject: Buffer;
  serial: Buffer;
}

// Extension ids compared as encoded bytes: decoding every OID of every certificate costs more.
const PROXY_CERT_INFO = encodeOid(OID.proxyCertInfo);
const VOMS_AC_SEQUENCE = encodeOid(VOMS_OID.acSequence);

function readLight(der: Buffer): LightCertificate {
  const [tbs] = readChildren(readOnly(der, TAG.SEQUENCE));
  if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new DerError('no TBSCertificate');
  const fields = readChildren(tbs);
  if (fields[0]?.tag === 0xa0) fields.shift();
  const [serial, , issuer, , subject] = fields;
  if (!serial || !issuer || !subject) throw new DerError('bad TBSCertificate');
  const extsEl = fields.find((f) => f.tag === 0xa3);
  const exts: DerElement[] = extsEl ? readChildren(readOnly(extsEl.content, TAG.SEQUENCE)) : [];
  let isProxy = false;
  let vomsValue: Buffer | undefined;
  for (const ext of exts) {
    const parts = readChildren(ext);
    const id = (parts[0] as DerElement).bytes;
    if (id.equals(PROXY_CERT_INFO)) isProxy = true;
    if (id.equals(VOMS_AC_SEQUENCE)) vomsValue = (parts[parts.length - 1] as DerElement).content;
  }
  return { isProxy, ...(vomsValue ? { vomsValue } : {}), issuer: issuer.bytes, subject: subject.bytes, serial: serial.content };
}

const keyOf = (der: Buffer): string => canonicalName(parseRdns(der)).toString('hex');

function holderOf(light: LightCertificate): HolderCertificate {
  const value = decodeInteger(light.serial);
  return {
    subjectDer: light.subject,
    issuerDer: light.issuer,
    get subjectDn(): string {
      return formatDn(light.subject);
    },
    get issuerDn(): string {
      return formatDn(light.issuer);
    },
    get subjectKey(): string {
      return keyOf(light.subject);
    },
    get issuerKey(): string {
      return keyOf(light.issuer);
    },
    serialHex: (value < 0n ? '-' : '') + (value < 0n ? -value : value).toString(16),
  };
}

/**
 * The VOMS extension value of the proxy nearest the leaf that has one, and the EEC below the
 * proxies; undefined when no proxy carries ACs. Throws DerError on malformed input.
 */
export function findVomsExtension(chain: readonly (Buffer | Certificate)[]): { value: Buffer; eec: HolderCertificate } | undefined {
  let carrier: Buffer | undefined;
  for (const item of chain) {
    if (item instanceof Certificate) {
      if (!item.proxy) return carrier ? { value: carrier, eec: item } : undefined;
      carrier ??= item.extension(VOMS_OID.acSequence)?.value;
      continue;
    }
    const light = readLight(item);
    if (!light.isProxy) return carrier ? { value: carrier, eec: holderOf(light) } : undefined;
    carrier ??= light.vomsValue;
  }
  return undefined;
}
