import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import type { Credentials } from '../auth/credentials.js';
import { verifySigV4 } from '../auth/sigv4.js';
import { requestSignal } from '../request-signal.js';
import type { SqsAction, SqsContext } from './context.js';
import { sqsErrors, toSqsError } from './errors.js';
import { messageActions } from './message-actions.js';
import { moveTaskActions } from './move-task-actions.js';
import { queueActions } from './queue-actions.js';

const contentType = 'application/x-amz-json-1.0';
const actions: Record<string, SqsAction> = { ...queueActions, ...messageActions, ...moveTaskActions };

/**
 * The SQS-compatible endpoint: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`) on POST / and
 * on queue URLs. With credentials configured every call must carry a valid SigV4 signature.
 */
export function sqsRoutes(app: FastifyInstance, server: ServerContext, sqs: SqsContext, credentials: Credentials | undefined): void {
  app.addContentTypeParser(contentType, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = randomUUID();
    reply.header('x-amzn-RequestId', requestId).header('content-type', contentType);
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target.startsWith('AmazonSQS.')) {
        throw sqsErrors.invalidAction(target || '(none)');
      }
      const name = target.slice('AmazonSQS.'.length);
      const action = actions[name];
      if (!action) throw sqsErrors.unknownOperation(name);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const principal = credentials ? await verifySigV4({ method: req.method, url: req.url, headers: req.headers, body: raw }, credentials, sqs.clock.now()) : undefined;
      let input: Record<string, unknown>;
      try {
        input = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      } catch {
        throw sqsErrors.serialization('Start of structure or map found where not expected.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw sqsErrors.serialization('The request body must be a JSON object.');
      const gone = requestSignal(reply, sqs.shutdown);
      let result: unknown;
      try {
        result = await action(sqs, {
          input,
          signal: gone.signal,
          baseUrl: server.baseUrl(req),
          principal,
          authorize: (act, resource) => {
            if (credentials && principal !== undefined && !credentials.allows(principal, act, resource)) {
              throw sqsErrors.accessDenied(`Access to the resource ${resource} is denied (${act}).`);
            }
          },
        });
      } finally {
        gone.release();
      }
      return reply.code(200).send(JSON.stringify(result));
    } catch (err) {
      const e = toSqsError(err);
      if (e.status >= 500) req.log.error({ err }, 'sqs action failed');
      return reply
        .code(e.status)
        .header('x-amzn-query-error', `${e.queryCode};${e.sender ? 'Sender' : 'Receiver'}`)
        .send(JSON.stringify({ __type: `com.amazonaws.sqs#${e.type}`, message: e.message }));
    }
  };

  app.post('/', handle);
  app.post('/:account/:queue', handle);
}
