export {
  createCertificateAuthority,
  DEFAULT_CA_NAME,
  DEFAULT_CA_TTL_MS,
  MAX_CA_TTL_MS,
  MIN_CERT_TTL_MS,
  CLOCK_SKEW_MS,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type IssueRequest,
  type IssuedCertificate,
} from './certificate-authority.js';
export {
  writeIdentityDir,
  readIdentityDir,
  removeIdentityDir,
  IDENTITY_FILES,
  DATA_LINK,
  type IdentityMaterial,
} from './identity-dir.js';
export {
  createIdentityIssuer,
  DEFAULT_RENEW_AT_FRACTION,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  type IdentityIssuer,
  type IdentityIssuerOptions,
  type IdentityStatus,
  type IdentityRotatedEvent,
  type IdentityRenewalFailedEvent,
} from './identity-issuer.js';
export { IdentityError, type IdentityProblem } from './errors.js';
export { TRUST_DOMAIN, spiffeIdForService, assertServiceName, assertInstanceName } from './identity-names.js';
