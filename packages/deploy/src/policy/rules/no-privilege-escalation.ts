import { securityField } from './security-field.js';

export const noPrivilegeEscalation = securityField(
  'no-privilege-escalation',
  'OpsloopNoPrivilegeEscalation',
  'Containers set allowPrivilegeEscalation: false',
  'allowPrivilegeEscalation',
  false,
  'container "%s" does not set allowPrivilegeEscalation: false',
  true,
);
