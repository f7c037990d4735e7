/**
 * A light look at a chain that ChainValidator has already accepted, for the VOMS check: which
 * proxy carries the ACs (the one nearest the leaf) and the EEC's names and serial. It reads
 * only the DER fields it needs, because parsing whole certificates again would cost a cold
 * login several times what the AC check itself costs (see bench/voms-bench.ts).
 */
import { Certificate } from './certificate.js';
import { DerError, type DerElement, TAG, decodeInteger, decodeOid, readChildren, readOnly } from './der-reader.js';
import { formatRdns, parseRdns } from './distinguished-name.js';
import { OID } from './oids.js';
import { canonicalName } from './subject-hash.js';
import { VOMS_OID } from './voms-ac.js';

/** What the holder check needs of the EEC. */
export interface HolderCertificate {
  subjectDn: string;
  issuerDn: string;
  subjectKey: string;
  issuerKey: string;
  serialHex: string;
}

interface LightCertificate {
  isProxy: boolean;
  vomsValue?: Buffer;
  issuer: Buffer;
  subject: Buffer;
  serial: Buffer;
}

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
    const oid = decodeOid((parts[0] as DerElement).content);
    if (oid === OID.proxyCertInfo) isProxy = true;
    if (oid === VOMS_OID.acSequence) vomsValue = (parts[parts.length - 1] as DerElement).content;
  }
  return { isProxy, ...(vomsValue ? { vomsValue } : {}), issuer: issuer.bytes, subject: subject.bytes, serial: serial.content };
}

function holderOf(light: LightCertificate): HolderCertificate {
  const subject = parseRdns(light.subject);
  const issuer = parseRdns(light.issuer);
  const value = decodeInteger(light.serial);
  // Formatted lazily: the DNs only appear in a refusal's reason.
  return {
    get subjectDn(): string {
      return formatRdns(subject);
    },
    get issuerDn(): string {
      return formatRdns(issuer);
    },
    subjectKey: canonicalName(subject).toString('hex'),
    issuerKey: canonicalName(issuer).toString('hex'),
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
