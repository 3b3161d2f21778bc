import { Command, CommanderError } from 'commander';
import { ApiError, Client } from './client.js';
import { queueCommands } from './commands/queue.js';
import { serverCommand } from './commands/server.js';
import { tailCommand } from './commands/tail.js';
import { topicCommands } from './commands/topic.js';

export { ApiError, Client } from './client.js';

/**
 * The `switchyard` command. Client commands talk to a server's JSON API at --url (or
 * $SWITCHYARD_URL, default http://127.0.0.1:4100) with --token (or $SWITCHYARD_TOKEN).
 * Returns the exit code: 0, 1 for an error the server or the input caused, 2 for usage.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('switchyard')
    .description('Switchyard: durable queues and topics')
    .option('--url <url>', 'server URL (env SWITCHYARD_URL)', process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:4100')
    .option('--token <id:secret>', 'credentials for the JSON API (env SWITCHYARD_TOKEN)', process.env.SWITCHYARD_TOKEN)
    .option('--json', 'print JSON instead of tables')
    .exitOverride()
    .showHelpAfterError();
  const globals = () => {
    const o = program.opts<{ url: string; token?: string; json?: boolean }>();
    return { client: new Client({ url: o.url, ...(o.token ? { token: o.token } : {}) }), json: o.json === true };
  };
  serverCommand(program);
  queueCommands(program, globals);
  topicCommands(program, globals);
  tailCommand(program, globals);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ApiError) {
      console.error(`error: ${err.code}: ${err.message}`);
      return 1;
    }
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}
