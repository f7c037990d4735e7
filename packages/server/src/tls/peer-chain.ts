/**
 * Reads the certificate chain a TLS client presented, leaf first, as DER. Node gives it as a
 * linked list of `issuerCertificate` objects (proxy → EEC → CA, the CA added from the
 * server's own `ca` list); the list ends where a certificate is its own issuer. Only the raw
 * DER is used: the parsed `subject` objects lose RDN order and merge repeated CNs.
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** The presented chain, or an empty list when the client sent no certificate. */
export function peerChain(socket: TLSSocket): Buffer[] {
  const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate | Record<string, never>;
  const chain: Buffer[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  let current: DetailedPeerCertificate | undefined = 'raw' in leaf ? (leaf as DetailedPeerCertificate) : undefined;
  while (current?.raw && !seen.has(current)) {
    seen.add(current);
    chain.push(current.raw);
    current = current.issuerCertificate;
  }
  return chain;
}
