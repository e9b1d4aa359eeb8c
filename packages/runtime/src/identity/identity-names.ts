import { IdentityError } from './errors.js';

/** The SPIFFE trust domain of the local runtime's identities. */
export const TRUST_DOMAIN = 'opsloop.local';

// A DNS-1123 label: what a DNS SAN accepts, and a superset of the spec's service names (DNS-1035).
const SERVICE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_SERVICE_NAME = 63;
// Instances name a directory: one path segment, never `.`/`..` or a hidden name that could clash with `..data`.
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_INSTANCE_NAME = 128;

/** The URI SAN naming `service`: `spiffe://opsloop.local/service/<service>`. */
export function spiffeIdForService(service: string): string {
  assertServiceName(service);
  return `spiffe://${TRUST_DOMAIN}/service/${service}`;
}

/** Throws {@link IdentityError} unless `service` is a DNS-1123 label of at most 63 characters. */
export function assertServiceName(service: string): void {
  if (service.length > MAX_SERVICE_NAME || !SERVICE_NAME.test(service)) {
    throw new IdentityError(
      'service-name',
      `service name ${JSON.stringify(service.slice(0, 80))} is not a DNS label ` +
        `(lowercase letters, digits and -, at most ${MAX_SERVICE_NAME} characters)`,
    );
  }
}

/** Throws {@link IdentityError} unless `instance` can name a directory of its own. */
export function assertInstanceName(instance: string): void {
  if (instance.length > MAX_INSTANCE_NAME || !INSTANCE_NAME.test(instance)) {
    throw new IdentityError(
      'instance-name',
      `instance name ${JSON.stringify(instance.slice(0, 80))} must be letters, digits, '.', '_' or '-', ` +
        `start with a letter or digit, and be at most ${MAX_INSTANCE_NAME} characters`,
    );
  }
}
