import { z } from 'zod';
import { ConfigRefError, SecretsError } from './errors.js';
import type { MaterialFile } from './materialize-files.js';
import { dataKeySchema, resourceNameSchema } from './names.js';
import type { SecretValue } from './redactor.js';
import { relativePathProblem } from './relative-path.js';
import type { SecretData, SecretMetadata } from './secret-store.js';

/*
 * How opsloop.yaml uses config maps and secrets: Kubernetes' ideas (ConfigMap `data`, secretKeyRef,
 * envFrom, mounted keys) in a shape that is short to write. Config maps are defined in the spec; secrets
 * live in the encrypted store, never in the spec. A service lists what it needs under `inject`:
 *
 *   configMaps:
 *     shop-settings:
 *       data: { CURRENCY: EUR, PAGE_SIZE: 20 }
 *   services:
 *     orders:
 *       inject:
 *         - { secret: db, key: password, env: DB_PASSWORD }     # one key → one env var
 *         - { secret: tls, key: cert, file: certs/tls.crt }      # one key → one file (mode 0400)
 *         - { configMap: shop-settings }                         # every key → env var of that name
 *         - { configMap: shop-settings, prefix: SHOP_ }          # … named SHOP_<key>
 *         - { configMap: shop-settings, key: CURRENCY, env: DEFAULT_CURRENCY }
 *
 * Files land in the replica's own directory (relative paths only). As in Kubernetes, a variable set by a
 * one-key entry wins over one from a whole-map entry; among whole-map entries, the later one wins.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envNameSchema = z.string().regex(ENV_NAME, 'expected an environment variable name such as DB_PASSWORD');

const filePathSchema = z.string().superRefine((path, ctx) => {
  const problem = relativePathProblem(path);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** One entry of a service's `inject` list: a secret or config map key (or all keys) → env var or file. */
export const injectRefSchema = z
  .strictObject({
    /** A secret in the encrypted store. */
    secret: resourceNameSchema.optional(),
    /** A config map defined under `configMaps:` in the spec. */
    configMap: resourceNameSchema.optional(),
    /** The key to use; without it every key becomes an env var (Kubernetes' envFrom). */
    key: dataKeySchema.optional(),
    /** Environment variable that receives the key's value. */
    env: envNameSchema.optional(),
    /** File (relative to the replica's directory) that receives the key's value. */
    file: filePathSchema.optional(),
    /** Without `key`: prefix of the env var names made from the keys. */
    prefix: z
      .string()
      .regex(ENV_NAME, 'expected an environment variable name prefix such as SHOP_')
      .optional(),
  })
  .superRefine((ref, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: path === '' ? [] : [path], message });
    if (ref.secret !== undefined && ref.configMap !== undefined)
      issue('configMap', 'expected either secret or configMap, not both');
    if (ref.secret === undefined && ref.configMap === undefined)
      issue('', 'expected `secret: <name>` or `configMap: <name>`');
    if (ref.key !== undefined) {
      if (ref.env === undefined && ref.file === undefined)
        issue('key', 'expected `env:` or `file:` to say where the value goes');
      if (ref.env !== undefined && ref.file !== undefined)
        issue('file', 'expected either env or file, not both (write two entries)');
      if (ref.prefix !== undefined) issue('prefix', 'prefix applies only without key (all keys as env vars)');
    } else {
      if (ref.env !== undefined) issue('env', 'env needs a key; without key every key becomes an env var');
      if (ref.file !== undefined) issue('file', 'file needs a key');
    }
  });

/** One validated `inject` entry. */
export type InjectRef = z.infer<typeof injectRefSchema>;

/** A service's `inject` list; two entries may not target the same env var or file. */
export const injectRefsSchema = z
  .array(injectRefSchema, { error: 'expected a list of inject entries' })
  .default([])
  .superRefine((refs, ctx) => {
    const seen = new Map<string, number>();
    refs.forEach((ref, index) => {
      const field = ref.env !== undefined ? 'env' : ref.file !== undefined ? 'file' : undefined;
      if (field === undefined) return;
      const target = `${field}:${ref.env ?? ref.file}`;
      const first = seen.get(target);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, field],
          message: `${ref.env ?? ref.file} is already set by entry ${first}`,
        });
      } else seen.set(target, index);
    });
  });

/** A config map: plain, non-secret settings defined in the spec (numbers and booleans become strings). */
export const configMapSchema = z.strictObject({
  data: z
    .record(dataKeySchema, z.union([z.string(), z.number(), z.boolean()]).transform(String), {
      error: 'expected a map of keys to values',
    })
    .default({}),
});

/** One config map. */
export type ConfigMap = z.infer<typeof configMapSchema>;

/** The spec's top-level `configMaps:` section. */
export const configMapsSchema = z.record(resourceNameSchema, configMapSchema).default({});

/** Where {@link resolveRefs} reads secrets: the store, or a fake in tests. */
export interface SecretReader {
  get(name: string): SecretData | undefined;
  metadataOf(name: string): SecretMetadata | undefined;
}

/** Options of {@link resolveRefs}. */
export interface ResolveRefsOptions {
  /** The service the refs belong to, for error messages. */
  service: string;
  store: SecretReader;
  configMaps: Readonly<Record<string, ConfigMap>>;
}

/** What a replica gets from its `inject` list. */
export interface ResolvedRefs {
  /** Env vars to add to the replica's environment. */
  env: Record<string, string>;
  /** Files to write with {@link materializeFiles} into the replica's directory. */
  files: MaterialFile[];
  /** Every secret value handed to the replica (`db/password`), for the log redactor. */
  secretValues: SecretValue[];
  /** Revision of each secret used: a replica is stale once a secret's revision moves on. */
  secretRevisions: Record<string, number>;
}

/** A spec-time problem with a config map reference, shaped for a zod `ctx.addIssue`. */
export interface RefIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that config map references name config maps (and keys) defined in the spec, so that mistakes
 * surface when the spec is loaded rather than when a replica starts. Secrets are checked by
 * {@link resolveRefs}: they live in the store, not the spec.
 */
export function checkConfigMapRefs(
  refs: readonly InjectRef[],
  configMaps: Readonly<Record<string, ConfigMap>>,
): RefIssue[] {
  const issues: RefIssue[] = [];
  refs.forEach((ref, index) => {
    if (ref.configMap === undefined) return;
    const map = configMaps[ref.configMap];
    if (map === undefined || !Object.hasOwn(configMaps, ref.configMap)) {
      issues.push({ path: [index, 'configMap'], message: `unknown config map "${ref.configMap}"` });
    } else if (ref.key !== undefined && !Object.hasOwn(map.data, ref.key)) {
      issues.push({ path: [index, 'key'], message: `config map "${ref.configMap}" has no key "${ref.key}"` });
    }
  });
  return issues;
}

/**
 * Turns a service's `inject` list into env vars and files. Every problem (a missing secret, key or config
 * map; a key that is no env var name) is collected and thrown as one {@link ConfigRefError} naming the
 * service and each entry. Messages list key names, never values.
 */
export function resolveRefs(refs: readonly InjectRef[], options: ResolveRefsOptions): ResolvedRefs {
  const problems: string[] = [];
  const wholeMapEnv: Record<string, string> = {};
  const keyedEnv: Record<string, string> = {};
  const files: MaterialFile[] = [];
  const secretValues = new Map<string, SecretValue>();
  const secretRevisions: Record<string, number> = {};

  refs.forEach((ref, index) => {
    const label = describe(ref, index);
    const source = lookUp(ref, options);
    if (typeof source === 'string') {
      problems.push(`${label}: ${source}`);
      return;
    }
    const { data, kind, name } = source;
    if (ref.secret !== undefined) {
      const revision = options.store.metadataOf(ref.secret)?.revision;
      if (revision !== undefined) secretRevisions[ref.secret] = revision;
    }
    const remember = (key: string, value: string) => {
      if (kind === 'secret') secretValues.set(`${name}/${key}`, { name: `${name}/${key}`, value });
    };
    if (ref.key === undefined) {
      for (const [key, value] of Object.entries(data)) {
        const variable = `${ref.prefix ?? ''}${key}`;
        if (!ENV_NAME.test(variable)) {
          problems.push(`${label}: key "${key}" is not a valid env var name; use key: and env: for it`);
          continue;
        }
        wholeMapEnv[variable] = value;
        remember(key, value);
      }
      return;
    }
    if (!Object.hasOwn(data, ref.key)) {
      const keys = Object.keys(data).sort();
      problems.push(
        `${label}: ${kind === 'secret' ? 'secret' : 'config map'} "${name}" has no key "${ref.key}"` +
          ` (keys: ${keys.length === 0 ? 'none' : keys.join(', ')})`,
      );
      return;
    }
    const value = data[ref.key]!;
    remember(ref.key, value);
    if (ref.env !== undefined) keyedEnv[ref.env] = value;
    if (ref.file !== undefined)
      files.push({ path: ref.file, content: value, mode: kind === 'secret' ? 0o400 : 0o444 });
  });

  if (problems.length > 0) throw new ConfigRefError(options.service, problems);
  return {
    env: { ...wholeMapEnv, ...keyedEnv },
    files,
    secretValues: [...secretValues.values()],
    secretRevisions,
  };
}

type Source = { kind: 'secret' | 'configMap'; name: string; data: Readonly<Record<string, string>> };

/** The data a ref points at, or why there is none. */
function lookUp(ref: InjectRef, options: ResolveRefsOptions): Source | string {
  if (ref.secret !== undefined) {
    let data: SecretData | undefined;
    try {
      data = options.store.get(ref.secret);
    } catch (error) {
      // e.g. SecretDecryptError: its message is safe (no values) and says what to do.
      if (error instanceof SecretsError) return error.message;
      throw error;
    }
    return data === undefined
      ? `secret "${ref.secret}" not found in the secret store`
      : { kind: 'secret', name: ref.secret, data };
  }
  const name = ref.configMap ?? '';
  const map = Object.hasOwn(options.configMaps, name) ? options.configMaps[name] : undefined;
  return map === undefined
    ? `config map "${name}" not found (define it under configMaps: in the spec)`
    : { kind: 'configMap', name, data: map.data };
}

function describe(ref: InjectRef, index: number): string {
  const source = ref.secret !== undefined ? `secret "${ref.secret}"` : `configMap "${ref.configMap ?? ''}"`;
  return `inject[${index}] (${source}${ref.key === undefined ? '' : `, key "${ref.key}"`})`;
}
