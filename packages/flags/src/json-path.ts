/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z0-9_$][A-Za-z0-9_$-]*$/;

/**
 * Renders a path the way people read it in an error: `flags.new-checkout.targeting.if[0]`. Keys that would be
 * ambiguous in dotted form (dots, spaces, brackets, the empty key) are written `["a.b"]`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return '(root)';
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Turns a JSON Pointer (`/flags/a/targeting/if/0`, as JSON Schema validators report) into path segments,
 * using `root` to tell array indices from numeric-looking object keys.
 */
export function pointerToSegments(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      const index = Number(key);
      segments.push(index);
      node = node[index];
    } else {
      segments.push(key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}
