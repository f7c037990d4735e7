/**
 * The identity of a TLS connection, decided once per connection from the certificate chain
 * the client presented (session tickets are off, so every connection presents its whole
 * chain). No certificate: anonymous (null). A chain that fails validation is refused with 401
 * and the validator's reason (expired proxy, revoked, legacy proxy…), rather than being
 * treated as anonymous, so that a user whose proxy just expired learns why. The trust store is
 * refreshed (cheaply, at most every few seconds) before each new connection's validation, so
 * CRLs rewritten by fetch-crl take effect without a restart; a reload's warnings are logged.
 * The chain is read in the server's `secureConnection` event (see `admit`), not later at the
 * first request: see there why.
 *
 * With a vomsdir, the VOMS attribute certificates of an accepted chain are judged next to it
 * (SPEC §2.1): the trusted FQANs join the identity, every refused AC is logged with its reason
 * and leaves the DN identity as it is. The verdict is kept with the connection no longer than
 * its `validUntil`: a keep-alive connection that outlives its AC loses the FQANs.
 *
 * A client that comes back on a new connection with the same chain costs little here: the
 * ChainValidator keeps verdicts by the SHA-256 of the whole chain and the trust generation (and
 * judges their dates again on each use, so an expired proxy is refused even when cached), and
 * the VOMS verdicts are kept the same way (`vomsVerdicts`) until their own `validUntil`. A
 * reload of the CAs or CRLs starts a new generation: nothing judged before it is reused. The
 * key is the exact chain presented, and the handshake's CertificateVerify has proved that the
 * client holds the leaf's private key: a cached chain is worth nothing to whoever lacks it.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ChainValidator, CredentialError, LruCache, chainKey, VomsValidator, type Identity, type TrustStore, type VomsDir, type VomsVerdict } from '@repoman/x509';
import { RepomanError } from '../services/repoman-error.js';
import { peerChain } from './peer-chain.js';

type Outcome = { identity: Identity | null; fqans: readonly string[]; fqansUntil: number } | { refusal: CredentialError };

/** What VOMS needs: the vomsdir, and the names this server answers to (for AC targets). */
export interface VomsSetup {
  readonly vomsdir: VomsDir;
  readonly serverNames: readonly string[];
}

export class ConnectionIdentities {
  private readonly chains = new WeakMap<TLSSocket, Buffer[]>();
  private readonly outcomes = new WeakMap<TLSSocket, Promise<Outcome>>();
  private readonly validator: ChainValidator;
  private readonly voms: VomsValidator | null;
  /** VOMS verdicts by trust generation and the SHA-256 of the whole chain. */
  private readonly vomsVerdicts = new LruCache<string, VomsVerdict>(1000);

  /**
   * `warn` gets the trust store's warnings (a CRL file that cannot be used…) after each reload,
   * and the reason of every refused VOMS AC. Without `voms`, ACs are ignored.
   */
  constructor(
    private readonly trust: TrustStore,
    private readonly warn: (line: string) => void = () => {},
    voms: VomsSetup | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.validator = new ChainValidator({ trust, now: () => new Date(this.now()) });
    this.voms = voms && new VomsValidator({ vomsdir: voms.vomsdir, chainValidator: this.validator, serverNames: voms.serverNames, now: () => new Date(this.now()) });
  }

  /**
   * For the HTTPS server's `secureConnection` event: keeps the chain the client presented.
   * Reading it here is also what keeps such a connection alive: when OpenSSL's own check of
   * the chain fails on a bad signature, Node leaves that error on OpenSSL's error queue, and
   * the connection's next read takes it for a fatal TLS error and resets the connection before
   * the request is read (most of the time; it depends on how the request's bytes arrive).
   * Reading the peer's certificates clears the queue, and Node runs this event synchronously
   * inside the handshake, before that read. The chain can be read only once (peer-chain.ts).
   */
  readonly admit = (socket: TLSSocket): void => {
    this.chains.set(socket, peerChain(socket));
  };

  /**
   * The verified identity of the request's connection with its trusted FQANs (none once the
   * verdict's time is over), or null; throws 401 for a bad credential.
   */
  readonly identify = async (request: FastifyRequest): Promise<(Identity & { fqans: readonly string[] }) | null> => {
    const socket = request.raw.socket as TLSSocket;
    let outcome = this.outcomes.get(socket);
    if (outcome === undefined) {
      outcome = this.decide(socket);
      this.outcomes.set(socket, outcome);
    }
    const decided = await outcome;
    if ('refusal' in decided) throw new RepomanError('UNAUTHENTICATED', `Your certificate was refused: ${decided.refusal.message}`);
    if (decided.identity === null) return null;
    return { ...decided.identity, fqans: this.now() < decided.fqansUntil ? decided.fqans : [] };
  };

  private async decide(socket: TLSSocket): Promise<Outcome> {
    const chain = this.chains.get(socket) ?? peerChain(socket);
    if (chain.length === 0) return { identity: null, fqans: [], fqansUntil: 0 };
    if (await this.trust.refresh()) for (const warning of this.trust.warnings) this.warn(warning);
    let identity: Identity;
    try {
      identity = this.validator.validate(chain);
    } catch (error) {
      if (error instanceof CredentialError) return { refusal: error };
      throw error;
    }
    if (this.voms === null || !identity.voms) return { identity, fqans: [], fqansUntil: 0 };
    const verdict = this.vomsVerdict(this.voms, chain, identity);
    return { identity, fqans: verdict.fqans, fqansUntil: verdict.validUntil };
  }

  /** The chain's VOMS verdict, judged again once its time is over; each refused AC is logged when judged. */
  private vomsVerdict(voms: VomsValidator, chain: Buffer[], identity: Identity): VomsVerdict {
    const key = chainKey(this.trust.generation, chain);
    const cached = this.vomsVerdicts.get(key);
    if (cached !== undefined && this.now() < cached.validUntil) return cached;
    const verdict = voms.validate(chain);
    for (const refused of verdict.refused) {
      const source = refused.vo === undefined ? '' : ` of ${refused.vo}${refused.host === undefined ? '' : ` (${refused.host})`}`;
      this.warn(`voms: ignored an attribute certificate${source} presented by ${identity.dn}: ${refused.reason}`);
    }
    this.vomsVerdicts.set(key, verdict);
    return verdict;
  }
}
