// The single source of truth for which workspace may depend on which.
//
// Workspaces are named `@opsloop/<dir>` for `packages/<dir>` and `@opsloop/service-<dir>` for
// `services/<dir>`. Every list below names *platform package directories* (`packages/<dir>`).
// Used by the `opsloop/import-direction` ESLint rule (source imports) and by its test, which checks
// every workspace package.json. See docs/architecture.md.

export const SCOPE = '@opsloop';
export const SERVICE_NAME_PREFIX = 'service-';

/** Allowed `@opsloop/*` dependencies of each platform package, keyed by its directory under packages/. */
export const PACKAGE_ROLES = Object.freeze({
  contracts: Object.freeze([]),
  kit: Object.freeze(['contracts']),
  store: Object.freeze(['contracts', 'kit']),
  bus: Object.freeze(['contracts', 'kit']),
  outbox: Object.freeze(['contracts', 'kit', 'store', 'bus']),
  flags: Object.freeze(['contracts', 'kit']),
  runtime: Object.freeze([
    'contracts',
    'kit',
    'store',
    'bus',
    'flags',
    'telemetry',
    'aiops',
    'chaos',
    'loadgen',
  ]),
  telemetry: Object.freeze(['contracts', 'kit', 'store']),
  aiops: Object.freeze(['contracts', 'kit', 'telemetry']),
  rpc: Object.freeze(['contracts', 'kit']),
  chaos: Object.freeze(['contracts', 'kit']),
  loadgen: Object.freeze(['contracts', 'kit']),
  deploy: Object.freeze(['contracts', 'kit', 'runtime']),
  cli: Object.freeze([
    'contracts',
    'kit',
    'runtime',
    'deploy',
    'telemetry',
    'aiops',
    'chaos',
    'loadgen',
    'flags',
  ]),
  dashboard: Object.freeze(['contracts']),
});

/** Allowed dependencies of every service (services/*): never another service, never a platform package. */
export const SERVICE_ROLE = Object.freeze(['contracts', 'kit', 'store', 'bus', 'outbox', 'rpc', 'flags']);

/** A packages/<dir> missing from PACKAGE_ROLES gets only this, so new packages must be added deliberately. */
export const UNKNOWN_PACKAGE_ROLE = Object.freeze(['contracts', 'kit']);

export const ROLES = Object.freeze({
  packages: PACKAGE_ROLES,
  services: SERVICE_ROLE,
  unknownPackage: UNKNOWN_PACKAGE_ROLE,
});

const WORKSPACE_KINDS = new Set(['packages', 'services']);

/** npm name of a workspace: `@opsloop/<dir>` or `@opsloop/service-<dir>`. */
export function workspacePackageName(kind, dir) {
  return kind === 'services' ? `${SCOPE}/${SERVICE_NAME_PREFIX}${dir}` : `${SCOPE}/${dir}`;
}

/**
 * The workspace a repo-relative path belongs to (`packages/<dir>/...` or `services/<dir>/...`), or null.
 * `packages/<dir>` itself (a directory) counts as inside the workspace.
 */
export function workspaceFromPath(repoRelativePath) {
  const segments = String(repoRelativePath)
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.');
  const [kind, dir] = segments;
  if (!WORKSPACE_KINDS.has(kind) || dir === undefined || dir === '..') return null;
  return {
    kind,
    dir,
    label: `${kind}/${dir}`,
    name: workspacePackageName(kind, dir),
    known: kind === 'services' || Object.hasOwn(PACKAGE_ROLES, dir),
  };
}

/** Full npm names of the `@opsloop/*` packages a workspace may depend on (excluding itself). */
export function allowedDependencies(workspace) {
  const dirs =
    workspace.kind === 'services'
      ? SERVICE_ROLE
      : Object.hasOwn(PACKAGE_ROLES, workspace.dir)
        ? PACKAGE_ROLES[workspace.dir]
        : UNKNOWN_PACKAGE_ROLE;
  return dirs.map((dir) => workspacePackageName('packages', dir));
}

/** `@opsloop/kit/sub/path` -> `@opsloop/kit`; null for anything outside the scope. */
export function scopedPackageName(specifier) {
  const match = /^@opsloop\/([^/]+)/.exec(String(specifier));
  return match ? `${SCOPE}/${match[1]}` : null;
}

/** Whether `workspace` may depend on the `@opsloop/*` package `specifier` (a self-reference is fine). */
export function isAllowedDependency(workspace, specifier) {
  const name = scopedPackageName(specifier);
  if (name === null) return true;
  if (name === workspace.name) return true;
  return allowedDependencies(workspace).includes(name);
}
