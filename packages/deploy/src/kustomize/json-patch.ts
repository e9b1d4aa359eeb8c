/** One RFC 6902 operation, of the kinds {@link diffJson} writes. */
export type PatchOperation =
  { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

/** RFC 6901: `~` → `~0`, `/` → `~1` (label keys such as `app.kubernetes.io/name` hold a slash). */
export const pointerToken = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => key in b && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

/**
 * The RFC 6902 operations that turn `from` into `to`: objects key by key, arrays of equal length item by
 * item; an array whose length changed is replaced whole (index shifts make item patches hard to review).
 */
export function diffJson(from: unknown, to: unknown, path = ''): PatchOperation[] {
  if (jsonEqual(from, to)) return [];
  if (isPlainObject(from) && isPlainObject(to)) {
    const ops: PatchOperation[] = [];
    for (const key of Object.keys(from))
      if (!(key in to)) ops.push({ op: 'remove', path: `${path}/${pointerToken(key)}` });
    for (const [key, value] of Object.entries(to)) {
      const child = `${path}/${pointerToken(key)}`;
      if (key in from) ops.push(...diffJson(from[key], value, child));
      else ops.push({ op: 'add', path: child, value });
    }
    return ops;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length)
    return to.flatMap((item, i) => diffJson(from[i], item, `${path}/${i}`));
  return [{ op: 'replace', path, value: to }];
}
