import { z } from 'zod';
import { problemDocumentSchema, problemTypes } from '@opsloop/contracts';
import { isPublic, type AccessRule } from '../access-rules.js';
import { matchRoute, type GatewayRoute } from '../route-table.js';
import { ENDPOINTS, type EndpointDoc } from './endpoints.js';

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  routes: readonly GatewayRoute[];
  publicRoutes: readonly AccessRule[];
  version: string;
  endpoints?: readonly EndpointDoc[];
}

type JsonObject = Record<string, unknown>;

/** A zod schema as a JSON Schema 2020-12 object (OpenAPI 3.1's dialect), without its `$schema` line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  delete converted.$schema;
  return converted;
}

/** `{id}` segments of an OpenAPI path turned into a concrete path for route-table and access checks. */
function samplePath(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'x');
}

/** Query or path parameters from a zod object schema (input side: what the client sends). */
function parameters(schema: z.ZodObject, where: 'query' | 'path'): JsonObject[] {
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

const ERROR_STATUSES: Record<number, string> = {
  400: 'The request is invalid (validation-failed, malformed-body).',
  401: 'No valid bearer token (unauthorized); see WWW-Authenticate.',
  404: 'No such resource (resource-not-found) or route (route-not-found).',
  409: 'Conflicts with the current state (conflict).',
  429: 'Rate limited (rate-limited); see Retry-After and the RateLimit-* headers.',
  502: 'The upstream service failed (bad-gateway).',
  503: 'No ready replica of the upstream service (upstream-unavailable); see Retry-After.',
  504: 'The upstream service timed out (upstream-timeout).',
};

/**
 * The gateway's OpenAPI 3.1 document: every operation of {@link ENDPOINTS} the gateway can reach with its
 * route table (or answers itself), public or protected according to `PUBLIC_ROUTES`, with request and
 * response shapes generated from the zod schemas (z.toJSONSchema) and errors as problem+json.
 */
export function buildOpenApiDocument(options: OpenApiOptions): JsonObject {
  const schemas: Record<string, JsonObject> = { Problem: jsonSchema(problemDocumentSchema, 'output') };
  const ref = (name: string, schema: z.ZodType): JsonObject => {
    schemas[name] ??= jsonSchema(schema, 'output');
    return { $ref: `#/components/schemas/${name}` };
  };
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  const paths: Record<string, Record<string, JsonObject>> = {};

  for (const endpoint of options.endpoints ?? ENDPOINTS) {
    const concrete = samplePath(endpoint.path);
    if (endpoint.servedBy === 'upstream' && matchRoute(options.routes, concrete) === undefined) continue;
    const method = endpoint.method.toUpperCase();
    const open = isPublic(options.publicRoutes, method, concrete);
    const responses: Record<string, JsonObject> = {};
    for (const [status, answer] of Object.entries(endpoint.responses)) {
      responses[status] =
        'schema' in answer
          ? {
              description: answer.name,
              content: { 'application/json': { schema: ref(answer.name, answer.schema) } },
            }
          : { description: answer.description };
    }
    if (endpoint.cacheable === true) {
      responses['304'] = { description: 'Not modified: the ETag sent in If-None-Match is current.' };
    }
    const errors = new Set([...(endpoint.errors ?? []), 429, 502, 503, 504]);
    if (!open) errors.add(401);
    for (const status of [...errors].sort()) {
      responses[String(status)] = { description: ERROR_STATUSES[status] ?? 'Error.', content: problem };
    }
    const operation: JsonObject = {
      summary: endpoint.summary,
      tags: [endpoint.tag],
      operationId: `${endpoint.method}${endpoint.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
      // Public operations accept a token (it identifies the caller) but do not need one.
      security: open ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
      parameters: [
        ...(endpoint.params ? parameters(endpoint.params, 'path') : []),
        ...(endpoint.query ? parameters(endpoint.query, 'query') : []),
        ...(endpoint.headers ?? []).map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required,
          description: h.description,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        })),
      ],
      responses,
    };
    if (endpoint.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: {
          'application/json':
            'schema' in endpoint.body
              ? { schema: ref(endpoint.body.name, endpoint.body.schema) }
              : { schema: { type: 'object', description: endpoint.body.description } },
        },
      };
    }
    (paths[endpoint.path] ??= {})[endpoint.method] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'opsloop shop API',
      version: options.version,
      description: `Every public route of the shop, through the gateway. Errors are RFC 9457 problem+json; their types are listed in docs/errors.md (${Object.keys(problemTypes).length} types).`,
    },
    servers: [{ url: '/' }],
    tags: [...new Set((options.endpoints ?? ENDPOINTS).map((e) => e.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The accessToken of POST /api/users/login (EdDSA, iss and aud opsloop-shop).',
        },
      },
    },
  };
}
