import { Option, type Command } from 'commander';
import { startServer } from '@switchyard/server';
import { int } from '../output.js';

export function serverCommand(program: Command): void {
  program
    .command('server')
    .description('run the broker over HTTP: JSON API, SQS-compatible API, metrics')
    .option('--data <dir>', 'data directory', './.switchyard')
    .option('--host <host>', 'address to listen on (non-loopback needs --auth)', '127.0.0.1')
    .option('--port <port>', 'port to listen on', int('--port'), 4100)
    .option('--auth <file>', 'JSON file of credentials and permissions')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'the certificate\'s private key (PEM)')
    .option('--durability <mode>', 'fsync (default) or relaxed', 'fsync')
    .option('--public-url <url>', 'base URL clients reach this server at (for SQS queue URLs)')
    .option('--allow-private-webhooks', 'let webhooks target private and loopback addresses')
    .option('--webhook-retry-base <ms>', 'first webhook retry delay (doubles per attempt)', int('--webhook-retry-base'))
    .option('--log', 'log every request as JSON')
    // Hidden: only tests in other processes (tests/remote) use it; startServer prints a loud warning.
    .addOption(new Option('--test-clock', 'tests only: a manual clock moved by POST /v1/_test/clock/advance').hideHelp())
    .action(async (o: { data: string; host: string; port: number; auth?: string; tlsCert?: string; tlsKey?: string; durability: 'fsync' | 'relaxed'; publicUrl?: string; log?: boolean; allowPrivateWebhooks?: boolean; webhookRetryBase?: number; testClock?: boolean }) => {
      const server = await startServer({
        dataDir: o.data,
        host: o.host,
        port: o.port,
        durability: o.durability,
        logger: o.log === true,
        allowPrivateWebhooks: o.allowPrivateWebhooks === true,
        ...(o.webhookRetryBase !== undefined ? { webhookRetryBaseMs: o.webhookRetryBase } : {}),
        ...(o.auth ? { authFile: o.auth } : {}),
        ...(o.tlsCert ? { tlsCertFile: o.tlsCert } : {}),
        ...(o.tlsKey ? { tlsKeyFile: o.tlsKey } : {}),
        ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
        ...(o.testClock ? { testClock: true } : {}),
      });
      console.log(`switchyard server listening on ${server.url} (data in ${o.data}, durability ${o.durability})`);
      console.log(`  JSON API:  ${server.url}/v1/queues   (OpenAPI at ${server.url}/v1/openapi.json)`);
      console.log(`  SQS API:   point an SQS client's endpoint at ${server.url}`);
      console.log(`  metrics:   ${server.url}/metrics`);
      console.log(
        o.auth
          ? `  auth:      credentials from ${o.auth} (SigV4 on SQS, Authorization: Bearer <id>:<secret> on the JSON API)`
          : '  auth:      none configured, so listening on loopback only; pass --auth FILE to require credentials',
      );
      console.log(`  CLI:       SWITCHYARD_URL=${server.url} npx switchyard queue list`);
      const stop = (signal: string) => {
        console.log(`${signal}: shutting down (ending long polls, finishing requests, closing the database)`);
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
