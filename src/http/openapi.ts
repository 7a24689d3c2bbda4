import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** OpenAPI 3.1 generated from the route schemas (themselves the contract operations), plus interactive docs. */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Convene — FRTC / SQMeeting compatible REST API',
        version,
        description:
          'Every call carries `client_id` in the query; signed-in calls also `token`. Success is HTTP 200 with a JSON ' +
          'object; errors are `{"error", "errorCode"}` with an FRTC code.',
      },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'query', name: 'token' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
