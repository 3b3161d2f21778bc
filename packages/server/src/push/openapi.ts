/**
 * The push channel in the OpenAPI document. OpenAPI cannot describe a WebSocket, so the route is
 * documented as its plain GET, with the protocol in the description and the frames as schemas
 * (PushRequest, PushAnswer) under `x-websocket`.
 */
const frames = [
  'Upgrade `GET /v1/ws` to a WebSocket (send `Authorization: Bearer <accessKeyId>:<secretAccessKey>` with the upgrade when the server has credentials).',
  'Each text frame is one JSON request with an `id` of your choosing (a string or an integer, unique among your pending requests); the server answers each request exactly once, with the same `id`, as soon as it is done — a receive that waits does not hold up an ack sent after it:',
  '- `{ "op": "receive", "id", "queue", "max"?, "waitMs"?, "visibilityMs"? }` → `{ "id", "messages": [Delivery] }`, answered as soon as a message is ready, or empty when `waitMs` runs out or the server shuts down.',
  '- `{ "op": "ack" | "nack" | "extend", "id", "queue", "receipt", "delayMs"? (nack), "error"? (nack), "visibilityMs" (extend) }` → `{ "id", "ok": true }`.',
  '- `{ "op": "cancel", "id" }` ends the pending receive `id` early; that receive then answers (empty, unless it had already answered).',
  '- Any failure → `{ "id", "error": { "code", "message" } }` with the same codes as the HTTP API; a frame that cannot be read → `"id": null`.',
  'No lease is lost to a dropped connection: a receive still waiting is cancelled, and messages leased for it but not handed over are released at once (like a nack without delay; their last error is kept). Messages already sent stay leased until settled — over this socket or over HTTP, receipts are not tied to the connection — or until their visibility timeout ends. The server pings every 30 s and drops a connection that missed the previous ping.',
  'A plain GET (no upgrade) answers `{ "protocol": "switchyard-push-1" }`: a client that gets a 404 knows the server has no push channel and uses `POST /v1/queues/{name}/receive`.',
].join('\n\n');

const id = { oneOf: [{ type: 'string', minLength: 1, maxLength: 64 }, { type: 'integer', minimum: 0 }] };

export const pushPaths = {
  '/v1/ws': {
    get: {
      summary: 'Push channel: receive and settle over a WebSocket, without polling',
      description: frames,
      'x-websocket': { request: { $ref: '#/components/schemas/PushRequest' }, answer: { $ref: '#/components/schemas/PushAnswer' } },
      responses: {
        '101': { description: 'Switching protocols: the push channel is open' },
        '200': { description: 'No upgrade requested: the protocol name', content: { 'application/json': { schema: { type: 'object', properties: { protocol: { const: 'switchyard-push-1' }, upgrade: { const: 'websocket' } } } } } },
        '401': { description: 'The server has credentials and the upgrade carried no valid token', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  },
} as const;

export const pushSchemas = {
  PushRequest: {
    type: 'object',
    required: ['op', 'id'],
    properties: {
      op: { enum: ['receive', 'ack', 'nack', 'extend', 'cancel'] },
      id,
      queue: { type: 'string', description: 'Every op but cancel' },
      max: { type: 'integer', minimum: 1 },
      waitMs: { type: 'integer', minimum: 0, maximum: 60000 },
      visibilityMs: { type: 'integer', minimum: 0, description: 'receive: lease length; extend: the lease ends this long from now' },
      receipt: { type: 'string' },
      delayMs: { type: 'integer', minimum: 0 },
      error: { type: 'string', description: 'nack: recorded as the last error' },
      fence: { type: 'string', description: 'Test-clock servers only: orders the request before a later clock advance' },
    },
  },
  PushAnswer: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { oneOf: [id, { type: 'null' }] },
      messages: { type: 'array', items: { $ref: '#/components/schemas/Delivery' } },
      ok: { const: true },
      error: { $ref: '#/components/schemas/ErrorDetail' },
    },
  },
} as const;
