import { securityField } from './security-field.js';

export const readOnlyRootFilesystem = securityField(
  'read-only-root-filesystem',
  'OpsloopReadOnlyRootFilesystem',
  'Containers have a read-only root filesystem',
  'readOnlyRootFilesystem',
  true,
  'container "%s" does not set readOnlyRootFilesystem: true',
  true,
);
