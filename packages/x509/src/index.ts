/**
 * Public API of @repoman/x509: grid X.509 parsing (certificates, CRLs, DNs in OpenSSL slash
 * form), trust anchors from a CA file or grid CA directory, validation of EEC and RFC 3820
 * proxy chains, VOMS attribute certificates, and issuance of certificates, proxies and CRLs.
 */
export { parsePem } from './pem.js';
export { Certificate, type CertificateExtension, type KeyUsageName, type ProxyInfo } from './certificate.js';
export { Crl } from './crl.js';
export { formatDn, type Rdn, type RdnAttribute } from './distinguished-name.js';
export { parseDn } from './parse-dn.js';
export { subjectHash } from './subject-hash.js';
export { TrustStore, type TrustStoreOptions } from './trust-store.js';
export type { Identity } from './identity.js';
export { CredentialError, type CredentialErrorCode } from './credential-error.js';
export { ChainValidator, chainKey, type ChainValidatorOptions } from './chain-validator.js';
export { LruCache } from './lru-cache.js';
export { generateKeyPair } from './key-pair.js';
export { issueCertificate, type IssueCertificateOptions } from './issue-certificate.js';
export { issueProxy, type IssueProxyOptions } from './issue-proxy.js';
export { issueCrl, type IssueCrlOptions } from './issue-crl.js';
export { toPem } from './to-pem.js';
export { writeProxyFile } from './proxy-file.js';
export { OID } from './oids.js';
export { VomsValidator, type VomsValidatorOptions, type VomsVerdict, type TrustedAc, type RefusedAc } from './voms-validator.js';
export { VomsDir, type VomsServerEntry } from './vomsdir.js';
export { parseLscFile, lscMatches, type LscChain } from './lsc-file.js';
export { AcName, parseVomsAc, splitVomsAcs, VOMS_OID, type VomsAc, type AcExtension } from './voms-ac.js';
export { toPkcs12, type Pkcs12Options } from './pkcs12.js';
