/** The test-clock routes in the OpenAPI document: present only on `switchyard server --test-clock`. */
const only = 'Only on a server started with `--test-clock` (404 otherwise), for tests in other processes.';
const now = { content: { 'application/json': { schema: { type: 'object', properties: { now: { type: 'integer', description: 'The engine clock, epoch ms' } } } } } };
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

export const testClockPaths = {
  '/v1/_test/clock': { get: { summary: "The engine's manual clock", description: only, responses: { '200': { description: 'OK', ...now }, default: error } } },
  '/v1/_test/clock/advance': {
    post: {
      summary: 'Move the engine clock forward, firing what falls due (lease ends, delays, long-poll deadlines) in time order',
      description: `${only} \`fences\` lists the operations (\`<client>.<seq>\`, sent in the \`switchyard-fence\` header or a push frame's \`fence\`) that the server must have begun before it moves the clock; after 5 s without one of them the advance fails with 400 and the clock stays put.`,
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['ms'], properties: { ms: { type: 'integer', minimum: 0 }, fences: { type: 'array', items: { type: 'string' } } } } } } },
      responses: { '200': { description: 'The clock after the advance', ...now }, default: error },
    },
  },
  '/v1/_test/reset': {
    post: {
      summary: 'Delete every topic, queue and stream and revoke every registry lease, so a test case starts empty',
      description: only,
      responses: { '200': { description: 'How many were deleted', content: { 'application/json': { schema: { type: 'object', properties: { queues: { type: 'integer' }, topics: { type: 'integer' }, streams: { type: 'integer' }, leases: { type: 'integer' } } } } } }, default: error },
    },
  },
} as const;
