import { securityField } from './security-field.js';

export const noPrivileged = securityField(
  'no-privileged',
  'OpsloopNoPrivileged',
  'No privileged containers',
  'privileged',
  false,
  'container "%s" runs privileged',
  false,
);
