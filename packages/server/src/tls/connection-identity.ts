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
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ChainValidator, CredentialError, type Identity, type TrustStore } from '@repoman/x509';
import { RepomanError } from '../services/repoman-error.js';
import { peerChain } from './peer-chain.js';

type Outcome = { identity: Identity | null } | { refusal: CredentialError };

export class ConnectionIdentities {
  private readonly chains = new WeakMap<TLSSocket, Buffer[]>();
  private readonly outcomes = new WeakMap<TLSSocket, Promise<Outcome>>();
  private readonly validator: ChainValidator;

  /** `warn` gets the trust store's warnings (a CRL file that cannot be used…) after each reload. */
  constructor(private readonly trust: TrustStore, private readonly warn: (line: string) => void = () => {}) {
    this.validator = new ChainValidator({ trust });
  }

  /**
   * For the HTTPS server's `secureConnection` event: keeps the chain the client presented.
   * Reading it here is also what keeps such a connection alive: when OpenSSL's own check of
   * the chain fails on a bad signature, Node leaves that error on OpenSSL's error queue, and
   * the connection's next read takes it for a fatal TLS error and resets the connection before
   * the request is read (most of the time; it depends on how the request's bytes arrive).
   * getPeerCertificate clears the queue, and Node runs this event synchronously inside the
   * handshake, before that read.
   */
  readonly admit = (socket: TLSSocket): void => {
    this.chains.set(socket, peerChain(socket));
  };

  /** The verified identity of the request's connection, or null; throws 401 for a bad credential. */
  readonly identify = async (request: FastifyRequest): Promise<Identity | null> => {
    const socket = request.raw.socket as TLSSocket;
    let outcome = this.outcomes.get(socket);
    if (outcome === undefined) {
      outcome = this.decide(socket);
      this.outcomes.set(socket, outcome);
    }
    const decided = await outcome;
    if ('refusal' in decided) throw new RepomanError('UNAUTHENTICATED', `Your certificate was refused: ${decided.refusal.message}`);
    return decided.identity;
  };

  private async decide(socket: TLSSocket): Promise<Outcome> {
    const chain = this.chains.get(socket) ?? peerChain(socket);
    if (chain.length === 0) return { identity: null };
    if (await this.trust.refresh()) for (const warning of this.trust.warnings) this.warn(warning);
    try {
      return { identity: this.validator.validate(chain) };
    } catch (error) {
      if (error instanceof CredentialError) return { refusal: error };
      throw error;
    }
  }
}
