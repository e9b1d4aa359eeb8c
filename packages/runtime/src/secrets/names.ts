import { z } from 'zod';
import { SecretInputError } from './errors.js';

/** Kubernetes' object name rule (DNS subdomain): secrets and config maps are named like this. */
export const RESOURCE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Kubernetes' data key rule: the keys inside one secret or config map (`password`, `tls.crt`). */
export const DATA_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

const MAX_NAME_LENGTH = 253;

/** Why `name` is not a valid secret / config map name, or undefined if it is. */
export function resourceNameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `expected at most ${MAX_NAME_LENGTH} characters`;
  if (!RESOURCE_NAME_PATTERN.test(name))
    return 'expected lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why `key` is not a valid data key, or undefined if it is. */
export function dataKeyProblem(key: string): string | undefined {
  if (key.length > MAX_NAME_LENGTH) return `expected at most ${MAX_NAME_LENGTH} characters`;
  if (!DATA_KEY_PATTERN.test(key)) return 'expected letters, digits, "-", "_" and "."';
  // Keys double as file names when a whole secret is mounted: "." and ".." would escape.
  if (key === '.' || key === '..' || key.startsWith('..')) return 'must not be "." or start with ".."';
  return undefined;
}

/** A secret or config map name (`db`, `shop-settings`). */
export const resourceNameSchema = z.string().superRefine((name, ctx) => {
  const problem = resourceNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** A key inside a secret or config map (`password`, `tls.crt`). */
export const dataKeySchema = z.string().superRefine((key, ctx) => {
  const problem = dataKeyProblem(key);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Throws {@link SecretInputError} (field `name`) unless `name` is a valid secret name. */
export function assertResourceName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new SecretInputError('name', 'secret name: expected a string');
  const problem = resourceNameProblem(name);
  if (problem !== undefined) throw new SecretInputError('name', `secret name "${name}": ${problem}`);
}

/** Throws {@link SecretInputError} (field `key`) unless `key` is a valid data key. */
export function assertDataKey(key: unknown, secret: string): asserts key is string {
  if (typeof key !== 'string')
    throw new SecretInputError('key', `secret "${secret}": key: expected a string`);
  const problem = dataKeyProblem(key);
  if (problem !== undefined)
    throw new SecretInputError('key', `secret "${secret}": key "${key}": ${problem}`);
}
