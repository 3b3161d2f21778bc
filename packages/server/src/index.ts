export { startServer, type RunningServer, type ServerOptions } from './server.js';
export { createApp, type App, type AppOptions } from './app.js';
export { Credentials, type Credential, type Permission } from './auth/credentials.js';
export { createMetrics, type Metrics } from './metrics.js';
export { md5OfAttributes, md5Hex } from './sqs/md5.js';
