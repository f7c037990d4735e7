/**
 * Deciding which VOMS attribute certificates of an already validated proxy chain are trusted
 * (SPEC §2.1). One validator, one check per method, each failure with its own reason, in the
 * manner of voms-api-java's DefaultVOMSValidationStrategy. The ACs are taken from the proxy
 * nearest the leaf that carries the VOMS extension (a proxy of a VOMS proxy keeps its ACs);
 * their holder must be the chain's end-entity certificate. An AC is trusted only when its
 * signer is the VOMS server certificate that the vomsdir names (`.lsc` DN chain, or `.pem`)
 * and whose chain the ChainValidator accepts. A refused AC is reported with a reason for the
 * log and never makes validate() throw: the login keeps its DN identity.
 */
import { createHash } from 'node:crypto';
import { Certificate } from './certificate.js';
import type { ChainValidator } from './chain-validator.js';
import { TAG, readOnly } from './der-reader.js';
import { lscMatches } from './lsc-file.js';
import { LruCache } from './lru-cache.js';
import { OID } from './oids.js';
import { verifySignature } from './signature-algorithm.js';
import { VOMS_OID, type VomsAc, parseVomsAc, splitVomsAcs } from './voms-ac.js';
import { type HolderCertificate, findVomsExtension } from './voms-chain.js';
import type { VomsDir } from './vomsdir.js';

export interface VomsValidatorOptions {
  vomsdir: VomsDir;
  /** Validates the VOMS server's certificate against the trusted CAs (the login's validator will do). */
  chainValidator: ChainValidator;
  /** The names this server answers to: an AC with targets must name one of them. */
  serverNames?: readonly string[];
  /** Allowance for clocks that disagree, applied to the AC's dates; default 300. */
  clockSkewSeconds?: number;
  now?: () => Date;
}

/** A trusted AC: its VO, its server and its FQANs, as voms-proxy-info prints them. */
export interface TrustedAc {
  vo: string;
  /** The VOMS server (host and port of the AC's `vo://host:port`). */
  host: string;
  port?: string;
  /** E.g. `/atlas/Role=NULL/Capability=NULL`, `/atlas/higgs`, in the AC's order. */
  fqans: string[];
  /** The VOMS server certificate's subject. */
  issuerDn: string;
  notBefore: Date;
  notAfter: Date;
}

/** An AC that is ignored, with the reason to log. */
export interface RefusedAc {
  vo?: string;
  host?: string;
  reason: string;
}

export interface VomsVerdict {
  trusted: TrustedAc[];
  refused: RefusedAc[];
  /** Every FQAN of the trusted ACs, in order. */
  fqans: string[];
  /**
   * Until when (ms since the epoch) this verdict stays true: the earliest end of a trusted
   * AC or of its server certificate, or the start of a not yet valid AC (skew included).
   * Infinity when the chain carries no AC. A cache must not keep the verdict longer.
   */
  validUntil: number;
}

type Check = string | undefined;

const KNOWN_AC_EXTENSIONS: ReadonlySet<string> = new Set([
  VOMS_OID.acCerts, VOMS_OID.tags, VOMS_OID.targets, VOMS_OID.noRevAvail, VOMS_OID.authorityKeyIdentifier,
]);

const empty = (): VomsVerdict => ({ trusted: [], refused: [], fqans: [], validUntil: Infinity });

function hostOf(target: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:]+)/i.exec(target);
  return (m ? (m[1] as string) : target).toLowerCase();
}

export class VomsValidator {
  private readonly vomsdir: VomsDir;
  private readonly chainValidator: ChainValidator;
  private readonly serverNames: readonly string[];
  private readonly skewMs: number;
  private readonly now: () => Date;
  /** Parsed VOMS server certificates by the SHA-256 of their DER. */
  private readonly serverCerts = new LruCache<string, Certificate>(64);

  constructor(opts: VomsValidatorOptions) {
    this.vomsdir = opts.vomsdir;
    this.chainValidator = opts.chainValidator;
    this.serverNames = (opts.serverNames ?? []).map((n) => n.toLowerCase());
    this.skewMs = (opts.clockSkewSeconds ?? 300) * 1000;
    this.now = opts.now ?? ((): Date => new Date());
  }

  /**
   * The VOMS attributes of a chain that ChainValidator has accepted (leaf first, as
   * presented: proxies, then the EEC). Never throws.
   */
  validate(chain: readonly (Buffer | Certificate)[]): VomsVerdict {
    let acs: Buffer[];
    let eec: HolderCertificate;
    try {
      const found = findVomsExtension(chain);
      if (!found) return empty();
      acs = splitVomsAcs(found.value);
      eec = found.eec;
    } catch (err) {
      return { ...empty(), refused: [{ reason: `the VOMS extension cannot be read: ${(err as Error).message}` }] };
    }
    const now = this.now().getTime();
    const verdict = empty();
    for (const der of acs) {
      let ac: VomsAc;
      try {
        ac = parseVomsAc(der, this.parseServerCertificate);
      } catch (err) {
        verdict.refused.push({ reason: `a VOMS attribute certificate cannot be parsed: ${(err as Error).message}` });
        continue;
      }
      let result: { reason?: string; signer?: Certificate };
      try {
        result = this.check(ac, eec, now);
      } catch (err) {
        result = { reason: `it cannot be checked: ${(err as Error).message}` };
      }
      const { reason, signer } = result;
      const who = { ...(ac.vo === undefined ? {} : { vo: ac.vo }), ...(ac.host === undefined ? {} : { host: ac.host }) };
      if (reason !== undefined || !signer) {
        verdict.refused.push({ ...who, reason: `VOMS AC of VO ${ac.vo ?? '(none)'} from ${ac.host ?? '(no server)'} ignored: ${reason ?? 'no signer'}` });
        if (ac.notBefore.getTime() - this.skewMs > now) verdict.validUntil = Math.min(verdict.validUntil, ac.notBefore.getTime() - this.skewMs);
        continue;
      }
      verdict.trusted.push({
        vo: ac.vo as string, host: ac.host as string, ...(ac.port === undefined ? {} : { port: ac.port }),
        fqans: ac.fqans, issuerDn: signer.subjectDn, notBefore: ac.notBefore, notAfter: ac.notAfter,
      });
      verdict.fqans.push(...ac.fqans);
      verdict.validUntil = Math.min(verdict.validUntil, ac.notAfter.getTime() + this.skewMs, signer.notAfter.getTime() + this.skewMs);
    }
    return verdict;
  }

  private readonly parseServerCertificate = (der: Buffer): Certificate => {
    const key = createHash('sha256').update(der).digest('hex');
    let cert = this.serverCerts.get(key);
    if (!cert) {
      cert = Certificate.fromDer(der);
      this.serverCerts.set(key, cert);
    }
    return cert;
  };

  /** Runs every check; the first failure is the reason. */
  private check(ac: VomsAc, eec: HolderCertificate, now: number): { reason?: string; signer?: Certificate } {
    const early = this.checkVoAndServer(ac) ?? this.checkFqans(ac) ?? this.checkValidity(ac, now) ?? this.checkHolder(ac, eec)
      ?? this.checkTargets(ac) ?? this.checkExtensions(ac);
    if (early !== undefined) return { reason: early };
    const found = this.findSigner(ac);
    if (typeof found === 'string') return { reason: found };
    const late = this.checkIssuer(ac, found) ?? this.checkAuthorityKeyId(ac, found) ?? this.checkSignature(ac, found);
    return late === undefined ? { signer: found } : { reason: late };
  }

  private checkVoAndServer(ac: VomsAc): Check {
    if (!ac.vo || !ac.host) return 'it names no VO and server (policy authority vo://host:port)';
    return undefined;
  }

  private checkFqans(ac: VomsAc): Check {
    if (ac.fqans.length === 0) return 'it holds no FQAN';
    const outside = ac.fqans.find((f) => f !== `/${ac.vo}` && !f.startsWith(`/${ac.vo}/`));
    return outside === undefined ? undefined : `the FQAN ${outside} is outside the VO ${ac.vo}`;
  }

  private checkValidity(ac: VomsAc, now: number): Check {
    if (ac.notBefore.getTime() - this.skewMs > now) return `it is not valid before ${ac.notBefore.toISOString()}`;
    if (ac.notAfter.getTime() + this.skewMs < now) return `it expired on ${ac.notAfter.toISOString()}`;
    return undefined;
  }

  /**
   * The holder must be the EEC: its serial, and as name the EEC's issuer (RFC 5755) or, as
   * VOMS servers write it, the EEC's subject (VOMS's own validator accepts both).
   */
  private checkHolder(ac: VomsAc, eec: HolderCertificate): Check {
    const h = ac.holder;
    if (!h) return 'its holder names no certificate';
    const named = h.issuer.some((n) => n.der.equals(eec.issuerDer) || n.der.equals(eec.subjectDer))
      || h.issuer.some((n) => n.key === eec.issuerKey || n.key === eec.subjectKey);
    if (h.serialHex !== eec.serialHex || !named) {
      return `its holder (serial ${h.serialHex}, ${h.issuer.map((n) => n.dn).join(', ') || 'no name'}) is not the certificate ${eec.subjectDn} (serial ${eec.serialHex}, issuer ${eec.issuerDn})`;
    }
    return undefined;
  }

  private checkTargets(ac: VomsAc): Check {
    if (ac.targets === undefined) return undefined;
    if (ac.targets.length === 0) return 'its targeting extension names no host';
    if (ac.targets.some((t) => this.serverNames.includes(hostOf(t)))) return undefined;
    return `its targets (${ac.targets.join(', ')}) do not name this server (${this.serverNames.join(', ') || 'no server_name configured'})`;
  }

  private checkExtensions(ac: VomsAc): Check {
    for (const oid of [VOMS_OID.authorityKeyIdentifier, VOMS_OID.noRevAvail]) {
      if (ac.extensions.find((e) => e.oid === oid)?.critical) return `its extension ${oid} must not be critical`;
    }
    const unknown = ac.extensions.find((e) => e.critical && !KNOWN_AC_EXTENSIONS.has(e.oid));
    return unknown ? `it has an unknown critical extension ${unknown.oid}` : undefined;
  }

  /**
   * The VOMS server certificate named by the vomsdir: with `<host>.lsc`, the AC's embedded
   * certificate whose DN chain the file lists; otherwise the one in `<host>.pem`. Either way
   * its chain must validate against the trusted CAs.
   */
  private findSigner(ac: VomsAc): Certificate | string {
    const vo = ac.vo as string;
    const host = ac.host as string;
    const entry = this.vomsdir.server(vo, host);
    if (!entry) {
      return this.vomsdir.hasVo(vo) ? `the vomsdir has no ${vo}/${host}.lsc or .pem for this server` : `the vomsdir has no directory for the VO ${vo}`;
    }
    let chain: Certificate[];
    if (entry.lsc) {
      if (ac.certificates.length === 0) return 'it carries no VOMS server certificate (extension 1.3.6.1.4.1.8005.100.100.10)';
      if (!lscMatches(entry.lsc, ac.certificates)) {
        const c = ac.certificates[0] as Certificate;
        return `its server certificate ${c.subjectDn} issued by ${c.issuerDn} does not match ${vo}/${host}.lsc`;
      }
      chain = ac.certificates;
    } else {
      const pem = entry.certificates ?? [];
      const own = pem.find((c) => ac.issuer.some((n) => n.is(c.subjectDer, () => c.subjectKey)));
      if (!own) return `${vo}/${host}.pem holds no certificate of the AC issuer ${ac.issuer.map((n) => n.dn).join(', ') || '(no name)'}`;
      chain = [own, ...pem.filter((c) => c !== own)];
    }
    try {
      this.chainValidator.validate(chain.map((c) => c.der));
    } catch (err) {
      return `its server certificate ${(chain[0] as Certificate).subjectDn} is not trusted: ${(err as Error).message}`;
    }
    return chain[0] as Certificate;
  }

  private checkIssuer(ac: VomsAc, signer: Certificate): Check {
    if (ac.issuer.some((n) => n.is(signer.subjectDer, () => signer.subjectKey))) return undefined;
    return `its issuer ${ac.issuer.map((n) => n.dn).join(', ') || '(no name)'} is not the server certificate ${signer.subjectDn}`;
  }

  private checkAuthorityKeyId(ac: VomsAc, signer: Certificate): Check {
    if (!ac.authorityKeyId) return 'it has no authority key identifier';
    const ski = signer.extension(OID.subjectKeyIdentifier);
    let keyId: Buffer | undefined;
    try {
      keyId = ski ? readOnly(ski.value, TAG.OCTET_STRING).content : undefined;
    } catch {
      keyId = undefined;
    }
    if (keyId?.equals(ac.authorityKeyId)) return undefined;
    return `its authority key identifier does not match the subject key identifier of ${signer.subjectDn}`;
  }

  private checkSignature(ac: VomsAc, signer: Certificate): Check {
    if (verifySignature(ac.signedBytes, ac.signatureOid, ac.signatureParams, ac.signature, signer.publicKey)) return undefined;
    return `its signature does not verify with the key of ${signer.subjectDn}`;
  }
}
