import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { askForMissingValues } from './ask-missing.js';
import { registerCommands } from './commands/index.js';
import type { GlobalOptions } from './connect.js';
import type { Context, Runner } from './context.js';
import type { Prompt } from './prompt.js';

export interface OpenedContext {
  ctx: Context;
  close(): Promise<void>;
}

export interface ProgramDeps {
  /** Where commander writes help (stdout) and usage errors (stderr). */
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Builds the context of one command run (connects to Redis in production). */
  openContext(globals: GlobalOptions): Promise<OpenedContext>;
  /** The prompt of a run with these global options (asks for missing values on a terminal). */
  prompt(globals: GlobalOptions): Prompt;
}

/** `gwctl provider add`, for messages. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * The whole CLI as a commander program. It never exits the process: errors are thrown
 * (commander's as CommanderError) and `run` turns them into exit codes.
 */
export function buildProgram(deps: ProgramDeps): Command {
  const program = new Command('gwctl')
    .description('Control plane of the LLM gateway: providers, keys and model bindings in Redis.')
    .version(version(), '-V, --version')
    .option('--redis-url <url>', 'standalone Redis URL, redis[s]://[user:pass@]host:port[/db] (env REDIS_URL; default redis://127.0.0.1:6379)')
    .option('--redis-sentinels <host:port,...>', 'Sentinel endpoints (env REDIS_SENTINELS)')
    .option('--redis-sentinel-name <name>', 'Sentinel master name (env REDIS_SENTINEL_NAME; default mymaster)')
    .option('--redis-cluster-nodes <host:port,...>', 'Cluster seed nodes (env REDIS_CLUSTER_NODES); REDIS_PASSWORD applies to Sentinel and Cluster')
    .option('--redis-tls', 'TLS for every Redis connection, also Sentinel and Cluster (env REDIS_TLS=1; a rediss:// URL implies it)')
    .option('--redis-tls-ca-file <path>', "PEM CA bundle to trust instead of Node's default CAs (env REDIS_TLS_CA_FILE)")
    .option('--redis-tls-cert-file <path>', 'PEM client certificate for mutual TLS (env REDIS_TLS_CERT_FILE)')
    .option('--redis-tls-key-file <path>', 'PEM private key of the client certificate (env REDIS_TLS_KEY_FILE)')
    .option('--redis-tls-servername <name>', 'name to send (SNI) and verify instead of the host (env REDIS_TLS_SERVERNAME)')
    .option('--redis-tls-insecure-skip-verify', "do not verify Redis's certificate; tests only (env REDIS_TLS_INSECURE_SKIP_VERIFY=1)")
    .option('-y, --yes', 'assume yes to confirmations and never prompt (for scripts)')
    .addHelpText(
      'after',
      '\nOutput: -o table|wide|json|yaml|name on lists and shows (--json = -o json); plain columns when piped.\n' +
        'Exit codes: 0 ok, 1 the operation failed, 2 usage error; errors are one line on stderr plus a hint\n' +
        '(GWCTL_DEBUG=1 adds the stack trace). Completion: gwctl completion bash|zsh|fish.\n' +
        "Run 'gwctl <noun> --help' for the verbs of each noun.",
    );

  const run: Runner = async (cmd, handler) => {
    const { ctx, close } = await deps.openContext(cmd.optsWithGlobals<GlobalOptions>());
    try {
      await handler(ctx);
    } finally {
      await close();
    }
  };
  registerCommands(program, run);

  // Settings that commander copies only to commands made with .command(), not addCommand().
  const configure = (cmd: Command) => {
    cmd
      .exitOverride()
      .configureOutput({ writeOut: deps.writeOut, writeErr: deps.writeErr })
      .showHelpAfterError(`hint: see '${commandPath(cmd)} --help'`);
    cmd.commands.forEach(configure);
  };
  configure(program);
  askForMissingValues(program, deps.prompt);
  return program;
}
