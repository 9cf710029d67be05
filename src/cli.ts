#!/usr/bin/env node
/**
 * The memoram-mcp command: parse the command line, load the configuration, run the command. The
 * only place that calls process.exit; a bad configuration is one line on stderr and exit code 1.
 * Each command loads its own modules when it runs, so an MCP client starting `serve` on the local
 * store waits for neither the emulator nor the Memoram client.
 */
import { createRequire } from 'node:module';
import { commandHelp, usageLine } from './commands/help.js';
import { outputFailureText, watchOutput } from './commands/stdout.js';
import { type Config, ConfigError, EMULATOR_PORT, loadConfig, parseCommandLine } from './config.js';
import type { Connection } from './connection/connection.js';
import { createLogger, type Logger } from './log/logger.js';
import { MemoramError } from './memory/errors.js';
import { nodeVersionHazard } from './store/native-module.js';

const HELP = `memoram-mcp — long-term memory for MCP clients, backed by Memoram or an encrypted local store

Usage:
  memoram-mcp [serve]           MCP over stdio (what MCP clients run)
  memoram-mcp serve --http [--port N] [--host H] [--no-token]
                                MCP over Streamable HTTP at http://127.0.0.1:3939/mcp, with a
                                bearer token (made in the config directory at the first start;
                                any address but loopback needs MEMORAM_HTTP_TOKEN)
  memoram-mcp authorize [--no-browser] [--memory-key K]
                                connect the Memoram account: sign in through the browser (or
                                use the memory key), then approve access in the Memoram dashboard
  memoram-mcp ui [--port N] [--no-open]
                                a page on 127.0.0.1 to browse, search, edit, delete and export
                                your memories (also at / of serve --http)
  memoram-mcp status [--json]   backend, connection, memory count and current scope
  memoram-mcp logout            forget cached Memoram credentials
  memoram-mcp export [--format json|markdown]
                                write every memory to stdout
  memoram-mcp import FILE       read a memoram-mcp export or a server-memory JSONL file
  memoram-mcp emulator [--port N] [--host H] [--db FILE] [--auto-approve]
                                a local Memoram emulator at http://127.0.0.1:3940, for trying
                                things offline
  memoram-mcp COMMAND --help    one command's usage and options (also: help COMMAND)

Options (each also a MEMORAM_* environment variable):
  --backend local|memoram   --data-dir DIR   --config-dir DIR   --read-only
  --api-url URL   --client-id ID   --no-browser   --log-level debug|info|warn|error|silent
  --embeddings on|off   --embeddings-model ID|DIR   --embeddings-url URL   --cache-dir DIR
  --scope NAME|auto (the current scope: a name, or the client's roots / git repository)

Secrets (MEMORAM_API_KEY, MEMORAM_CLIENT_SECRET, MEMORAM_MEMORY_KEY, MEMORAM_HTTP_TOKEN,
MEMORAM_EMBEDDINGS_API_KEY) are read from the environment. The one exception, authorize
--memory-key, is for a quick try: prefer MEMORAM_MEMORY_KEY, since a key on the command line
shows in the process list and in shell history. See the README for every setting.
`;

type Command = (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** A command line that does not parse: answered with the usage line and exit code 2, as is usual. */
class UsageError extends ConfigError {}

function parseLine(args: readonly string[], commandOptions = {}): ReturnType<typeof parseCommandLine> {
  try {
    return parseCommandLine(args, commandOptions);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // node:util's parseArgs goes on about positionals that start with a dash; the option is the news.
    const unknown = /^Unknown option '([^']+)'/.exec(error.message);
    throw new UsageError(unknown ? `Unknown option ${unknown[1]}.` : error.message);
  }
}

/** Parses a command's arguments and loads the configuration; only `import` takes a positional. */
function setup(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  commandOptions = {},
  { takesFile = false, defaultPort }: { takesFile?: boolean; defaultPort?: number } = {},
) {
  const line = parseLine(args, commandOptions);
  if (!takesFile && line.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${line.positionals[0]}".`);
  }
  const config = loadConfig({ flags: line.configFlags, env, ...(defaultPort && { defaultPort }) });
  const logger = createLogger(config.logLevel);
  const hazard = nodeVersionHazard(process.versions.node);
  if (hazard) logger.warn(hazard);
  for (const warning of config.warnings) logger.warn(warning);
  return {
    config,
    logger,
    flags: line.commandFlags,
    positionals: line.positionals,
  };
}

/**
 * `embedded`: with the embedding model, waited for (an import stores each memory's vector with it,
 * rather than leave the whole store to the next server's background fill).
 */
async function withService<T>(
  config: Readonly<Config>,
  logger: Logger,
  work: (c: Connection) => Promise<T>,
  embedded = false,
) {
  const { openConnection } = await import('./connection/open-connection.js');
  const embeddings = embedded
    ? (await import('./embeddings/embeddings.js')).createEmbeddings(config, { logger })
    : undefined;
  await embeddings?.ready();
  const connection = await openConnection(config, logger, embeddings);
  try {
    return await work(connection);
  } finally {
    await connection.close();
    await embeddings?.close();
  }
}

const COMMANDS: Record<string, Command> = {
  emulator: async (args, env) => {
    const { config, logger, flags } = setup(
      args,
      env,
      { db: { type: 'string' }, 'auto-approve': { type: 'boolean' } },
      { defaultPort: EMULATOR_PORT },
    );
    const { runEmulator } = await import('./commands/emulator.js');
    return runEmulator(config, logger, {
      dbFile: flags.db as string | undefined,
      autoApprove: flags['auto-approve'] === true,
    });
  },
  authorize: async (args, env) => {
    const { config, logger, flags } = setup(args, env, { 'memory-key': { type: 'string' } });
    const memoryKey = (flags['memory-key'] as string | undefined)?.trim();
    if (memoryKey === '')
      throw new ConfigError('--memory-key needs the memory key (or set MEMORAM_MEMORY_KEY).');
    const { authorizeCommand } = await import('./commands/authorize.js');
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once('SIGINT', interrupt);
    try {
      return await authorizeCommand(config, logger, { memoryKey, signal: stop.signal });
    } finally {
      process.off('SIGINT', interrupt);
    }
  },
  serve: async (args, env) => {
    const options = { http: { type: 'boolean' }, 'no-token': { type: 'boolean' } } as const;
    const line = parseLine(args, options);
    if (
      line.commandFlags.http !== true &&
      ('port' in line.configFlags || 'host' in line.configFlags || 'no-token' in line.commandFlags)
    ) {
      throw new UsageError('--port, --host and --no-token are for serve --http.');
    }
    const { config, logger, flags } = setup(args, env, options);
    if (flags.http !== true) return (await import('./commands/serve.js')).serve(config, logger, version());
    const { serveHttp } = await import('./commands/serve-http.js');
    return serveHttp(config, logger, version(), { noToken: flags['no-token'] === true });
  },
  ui: async (args, env) => {
    const line = parseLine(args, { 'no-open': { type: 'boolean' } });
    if ('host' in line.configFlags) throw new UsageError('The memory page listens on 127.0.0.1 only.');
    const { config, logger, flags } = setup(args, env, { 'no-open': { type: 'boolean' } });
    const { runUi } = await import('./commands/ui.js');
    // Its own port, any free one unless --port says: MEMORAM_PORT is serve --http's.
    const port = 'port' in line.configFlags ? config.http.port : 0;
    return runUi(config, logger, { port, open: flags['no-open'] !== true && !config.noBrowser });
  },
  status: async (args, env) => {
    const { config, logger, flags } = setup(args, env, { json: { type: 'boolean' } });
    const { collectStatus, formatStatus } = await import('./commands/status.js');
    const report = await collectStatus(config, logger);
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return 0;
  },
  logout: async (args, env) => {
    const { config } = setup(args, env);
    const { logout } = await import('./commands/logout.js');
    process.stdout.write(await logout(config));
    return 0;
  },
  export: async (args, env) => {
    const { config, logger, flags } = setup(args, env, { format: { type: 'string' } });
    const format = flags.format ?? 'json';
    if (format !== 'json' && format !== 'markdown')
      throw new ConfigError('--format must be json or markdown.');
    const { exportJson, exportMarkdown } = await import('./memory/export.js');
    const memories = await withService(config, logger, (connection) => connection.service().all());
    process.stdout.write(format === 'json' ? exportJson(memories) : exportMarkdown(memories));
    return 0;
  },
  import: async (args, env) => {
    const { config, logger, positionals } = setup(args, env, {}, { takesFile: true });
    const [file, ...extra] = positionals;
    if (!file) throw new UsageError('import needs the FILE to read.');
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    if (config.readOnly)
      throw new ConfigError('import writes memories; unset --read-only / MEMORAM_READ_ONLY.');
    const { importMemories, readImportFile } = await import('./commands/transfer.js');
    const entries = await readImportFile(file);
    const report = await withService(
      config,
      logger,
      (connection) => importMemories(connection.service(), entries),
      true,
    );
    // Counted from 1, as a person counts the entries of the file.
    for (const failure of report.failed)
      process.stderr.write(`entry ${failure.index + 1}: ${failure.reason}\n`);
    for (const warning of report.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stderr.write(
      `imported ${report.created} new, ${report.deduplicated} already present, ${report.failed.length} rejected\n`,
    );
    return report.failed.length > 0 ? 1 : 0;
  },
};

function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    // `help status` is asked as often as `status --help`.
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      process.stdout.write(HELP);
      return 0;
    }
    const help = commandHelp(topic);
    if (help) process.stdout.write(help);
    else
      process.stderr.write(
        `memoram-mcp: no command "${topic}".\n${usageLine('')}\nRun memoram-mcp --help.\n`,
      );
    return help ? 0 : 2;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const name = named ? first : 'serve';
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(
      `memoram-mcp: unknown command "${first}".\n${usageLine('')}\nRun memoram-mcp --help.\n`,
    );
    return 2;
  }
  const args = named ? rest : argv;
  const optionsEnd = args.indexOf('--');
  const own = optionsEnd < 0 ? args : args.slice(0, optionsEnd);
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(commandHelp(name) ?? HELP);
    return 0;
  }
  try {
    return await command(args, env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `memoram-mcp: ${error.message}\n${usageLine(name)}\nRun memoram-mcp ${name} --help.\n`,
      );
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`memoram-mcp: ${error.message}\n`);
      return 1;
    }
    if (error instanceof MemoramError) {
      process.stderr.write(`memoram-mcp: ${error.userText}\n`);
      return 1;
    }
    throw error;
  }
}

const stdout = watchOutput(process.stdout);
main(process.argv.slice(2), process.env)
  .catch((error: unknown) => {
    process.stderr.write(
      `memoram-mcp: internal error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    return 1;
  })
  .then(async (code) => {
    const failure = await stdout.finish();
    if (failure) process.stderr.write(`memoram-mcp: ${outputFailureText(failure)}\n`);
    process.exit(failure ? 1 : code);
  });
