export {
  SecretsError,
  SecretKeyError,
  SecretStoreError,
  SecretDecryptError,
  SecretInputError,
  ConfigRefError,
  FilePathError,
  type SecretKeyProblem,
} from './errors.js';
export {
  SecretKey,
  SECRET_KEY_BYTES,
  SECRETS_KEY_FILE_ENV,
  defaultSecretKeyPath,
  loadSecretKey,
  readSecretKeyFile,
  writeSecretKeyFile,
  secretKeyId,
  type SecretKeyPathOptions,
  type LoadSecretKeyOptions,
  type LoadedSecretKey,
} from './secret-key.js';
export {
  SecretStore,
  openSecretStore,
  readStoreKeyId,
  defaultSecretStorePath,
  SECRET_STORE_VERSION,
  MAX_SECRET_BYTES,
  type OpenSecretStoreOptions,
  type SecretMetadata,
  type SecretData,
} from './secret-store.js';
export {
  injectRefSchema,
  injectRefsSchema,
  configMapSchema,
  configMapsSchema,
  checkConfigMapRefs,
  resolveRefs,
  type InjectRef,
  type ConfigMap,
  type SecretReader,
  type ResolveRefsOptions,
  type ResolvedRefs,
  type RefIssue,
} from './config-refs.js';
export { materializeFiles, removeMaterializedFiles, type MaterialFile } from './materialize-files.js';
export { relativePathProblem } from './relative-path.js';
export { resourceNameSchema, dataKeySchema, RESOURCE_NAME_PATTERN, DATA_KEY_PATTERN } from './names.js';
export {
  createRedactor,
  redactStream,
  encodedForms,
  MIN_REDACTED_LENGTH,
  type Redactor,
  type RedactorOptions,
  type RedactionMatch,
  type SecretValue,
} from './redactor.js';
export { redactObject, isSensitiveKey, REDACTED, type RedactObjectOptions } from './redact-object.js';
export type { RenameFn } from './fs-util.js';
