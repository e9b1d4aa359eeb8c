import { Code, ConnectError } from '@connectrpc/connect';

/** One problem with an input (a zod issue has this shape). */
export interface InputIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** A schema that parses without throwing: any zod schema fits, so this package needs no zod of its own. */
export interface RpcInputSchema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly InputIssue[] } };
}

/** A field path as the .proto names it: `lines[0].product_id` for zod's `['lines', 0, 'productId']`. */
export function protoFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const name = String(segment).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      out += out === '' ? name : `.${name}`;
    }
  }
  return out || '(request)';
}

/** INVALID_ARGUMENT listing every invalid field: `invalid request: lines[0].quantity: must be at least 1; …`. */
export function invalidArgument(issues: readonly InputIssue[]): ConnectError {
  const fields = issues.map((issue) => `${protoFieldPath(issue.path)}: ${issue.message}`);
  return new ConnectError(`invalid request: ${fields.join('; ')}`, Code.InvalidArgument);
}

/**
 * Parses a request (mapped to the shape of the service's REST body) with the same schema as the REST route,
 * so both bindings accept exactly the same input; throws {@link invalidArgument} otherwise.
 */
export function parseRpcInput<T>(schema: RpcInputSchema<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidArgument(result.error.issues);
}
