import swagger, { type StaticDocumentSpec } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Serves `document` at `/api/docs/openapi.json` and Swagger UI at `/api/docs`, all assets from this process. */
export async function registerApiDocs(
  app: FastifyInstance,
  document: Record<string, unknown>,
): Promise<void> {
  const json = JSON.stringify(document);
  app.get('/api/docs/openapi.json', (_request, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(json),
  );
  // The builder's output is OpenAPI 3.1 (checked by its test); the plugin's types only know 3.0's shape.
  const spec = { document: document as unknown as StaticDocumentSpec['document'] };
  await app.register(swagger, { mode: 'static', specification: spec });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    // No calls to validator.swagger.io: the UI loads nothing from outside the gateway.
    validatorUrl: false,
    uiConfig: { deepLinking: true },
  });
}
