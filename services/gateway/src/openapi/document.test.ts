import { describe, expect, it } from 'vitest';
import { DEFAULT_PUBLIC_ROUTES, isPublic, parseAccessRules } from '../access-rules.js';
import { parseRoutes } from '../route-table.js';
import { buildOpenApiDocument } from './document.js';

const ROUTES = parseRoutes('/api/products=catalog;/api/users=users;/api/cart=cart;/api/checkout=checkout');
const PUBLIC = parseAccessRules(DEFAULT_PUBLIC_ROUTES);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = Record<string, unknown>;

/** Every `$ref` in `node`, with where it is. */
function refs(node: unknown, at = '#', out: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) node.forEach((item, i) => refs(item, `${at}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push([at, value]);
      else refs(value, `${at}/${key}`, out);
    }
  }
  return out;
}

function resolve(document: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

/**
 * The structural rules of OpenAPI 3.1 (§4.8) that a generator can get wrong: version, info, paths that
 * start with "/", operations with responses keyed by status codes, parameters with name/in/schema, every
 * path template variable declared as a required path parameter, unique operation ids, resolvable $refs.
 */
function expectValidOpenApi(document: Json): void {
  expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
  const info = document.info as Json;
  expect(typeof info.title).toBe('string');
  expect(typeof info.version).toBe('string');
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    expect(path.startsWith('/')).toBe(true);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries(item)) {
      expect(METHODS).toContain(method);
      const op = operation as Json;
      const id = op.operationId as string;
      expect(operationIds.has(id), `duplicate operationId ${id}`).toBe(false);
      operationIds.add(id);
      const responses = op.responses as Record<string, Json>;
      expect(Object.keys(responses).length).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(responses)) {
        expect(status).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description).toBe('string');
      }
      const parameters = (op.parameters ?? []) as Json[];
      for (const parameter of parameters) {
        expect(['query', 'header', 'path', 'cookie']).toContain(parameter.in);
        expect(typeof parameter.name).toBe('string');
        expect(parameter.schema).toBeTypeOf('object');
        if (parameter.in === 'path') expect(parameter.required).toBe(true);
      }
      for (const name of templated) {
        expect(
          parameters.some((p) => p.in === 'path' && p.name === name),
          `${path} declares {${name}}`,
        ).toBe(true);
      }
      for (const requirement of op.security as Json[]) {
        for (const scheme of Object.keys(requirement)) {
          expect(((document.components as Json).securitySchemes as Json)[scheme]).toBeDefined();
        }
      }
    }
  }
  for (const [at, ref] of refs(document)) {
    expect(ref.startsWith('#/'), `${at}: external $ref`).toBe(true);
    expect(resolve(document, ref), `${at}: ${ref} does not resolve`).toBeDefined();
  }
}

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument({ routes: ROUTES, publicRoutes: PUBLIC, version: '1.2.3' });

  it('is a structurally valid OpenAPI 3.1 document', () => {
    expectValidOpenApi(document);
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('lists every public route, marked as needing no token', () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const rule of PUBLIC) {
      for (const method of rule.methods ?? ['GET']) {
        if (method === 'HEAD') continue;
        const operation = paths[rule.path]?.[method.toLowerCase()];
        expect(operation, `${method} ${rule.path}`).toBeDefined();
        expect(operation?.security).toContainEqual({});
      }
    }
  });

  it('marks protected routes as needing a bearer token, with a 401', () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const open = isPublic(PUBLIC, method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x'));
        expect(operation.security, `${method} ${path}`).toEqual(
          open ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
        );
        if (!open) expect(Object.hasOwn(operation.responses as Json, '401')).toBe(true);
      }
    }
    expect(paths['/api/orders']?.get).toBeDefined();
    expect(paths['/api/orders/{id}']?.get).toBeDefined();
  });

  it('takes its shapes from the zod schemas (products from contracts, orders from the gateway)', () => {
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['Problem', 'ProductPage', 'Product', 'OrderPage', 'Order', 'Storefront']),
    );
    expect(JSON.stringify(schemas.ProductPage)).toContain('"nextCursor"');
    expect(JSON.stringify(schemas.Order)).toContain('"fulfilled"');
    const list = (document.paths as Record<string, Record<string, Json>>)['/api/products']?.get;
    expect(list?.parameters).toContainEqual(
      expect.objectContaining({ name: 'limit', in: 'query', required: false }),
    );
    expect(Object.keys(list?.responses as Json)).toEqual(
      expect.arrayContaining(['200', '304', '400', '429', '502', '503', '504']),
    );
  });

  it('leaves out upstream routes the route table does not send anywhere', () => {
    const only = buildOpenApiDocument({
      routes: parseRoutes('/api/products=catalog'),
      publicRoutes: PUBLIC,
      version: '1',
    });
    const paths = Object.keys(only.paths as Json);
    expect(paths).toContain('/api/products');
    expect(paths).toContain('/api/storefront');
    expect(paths).not.toContain('/api/users');
    expect(paths).not.toContain('/api/cart');
    expectValidOpenApi(only);
  });
});
