/**
 * Benchmark: prints how long ChainValidator.validate takes for a proxy -> EEC -> sub CA chain
 * under a trusted root, cold (cache disabled: parse, path, signatures, rules) and warm
 * (cache hit). Run: node --import tsx packages/x509/bench/validate-bench.ts
 */
import { ChainValidator, TrustStore, generateKeyPair, issueCertificate, issueProxy } from '../src/index.js';

const year = 365 * 86400e3;
const rootKey = generateKeyPair();
const root = issueCertificate({ subject: '/DC=org/DC=Bench/CN=Root', publicKey: rootKey.publicKey, signingKey: rootKey.privateKey, notAfter: new Date(Date.now() + year), ca: true });
const subKey = generateKeyPair();
const sub = issueCertificate({ subject: '/DC=org/DC=Bench/CN=Sub', publicKey: subKey.publicKey, issuer: { cert: root, key: rootKey.privateKey }, notAfter: new Date(Date.now() + year), ca: true });
const userKey = generateKeyPair();
const user = issueCertificate({ subject: '/DC=org/DC=Bench/CN=User', publicKey: userKey.publicKey, issuer: { cert: sub, key: subKey.privateKey }, notAfter: new Date(Date.now() + year) });
const proxy = issueProxy({ issuerCert: user, issuerKey: userKey.privateKey, lifetimeSeconds: 43200 });
const chain = [proxy.cert.der, user.der, sub.der];
const trust = TrustStore.fromCertificates([root]);

function time(label: string, v: ChainValidator, n: number): void {
  for (let i = 0; i < 20; i++) v.validate(chain);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) v.validate(chain);
  const us = Number(process.hrtime.bigint() - t0) / n / 1000;
  console.log(`${label}: ${us.toFixed(1)} µs per validation (${n} runs)`);
}

time('cold (no cache), 3-certificate chain + anchor', new ChainValidator({ trust, cacheSize: 0 }), 500);
time('warm (cache hit)', new ChainValidator({ trust }), 20000);
