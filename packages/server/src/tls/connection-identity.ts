/**
 * The identity of a TLS connection, decided once per connection from the certificate chain
 * the client presented (session tickets are off, so every connection presents its whole
 * chain). No certificate: anonymous (null). A chain that fails validation is refused with 401
 * and the validator's reason (expired proxy, revoked, legacy proxy…), rather than being
 * treated as anonymous, so that a user whose proxy just expired learns why. The trust store is
 * refreshed (cheaply, at most every few seconds) before each new connection's validation, so
 * CRLs rewritten by fetch-crl take effect without a restart.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ChainValidator, CredentialError, type Identity, type TrustStore } from '@repoman/x509';
import { RepomanError } from '../services/repoman-error.js';
import { peerChain } from './peer-chain.js';

type Outcome = { identity: Identity | null } | { refusal: CredentialError };

export class ConnectionIdentities {
  private readonly outcomes = new WeakMap<TLSSocket, Promise<Outcome>>();
  private readonly validator: ChainValidator;

  constructor(private readonly trust: TrustStore) {
    this.validator = new ChainValidator({ trust });
  }

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
    const chain = peerChain(socket);
    if (chain.length === 0) return { identity: null };
    await this.trust.refresh();
    try {
      return { identity: this.validator.validate(chain) };
    } catch (error) {
      if (error instanceof CredentialError) return { refusal: error };
      throw error;
    }
  }
}
