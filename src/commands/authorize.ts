/**
 * `memoram-mcp authorize`: the authorization flow of the authorize tool, in a terminal. It drives
 * the same flow (through RemoteConnection) until the user has decided, printing each step on stdout
 * as it happens (the sign-in URL, the access request to approve, the account connected) and a
 * spinner on stderr while it waits (plain progress lines when stderr is not a terminal). Ctrl-C
 * stops it cleanly: the sign-in listener and the connection close, and an access request already
 * filed stays cached, so the next run resumes it. Exit codes: 0 authorized, 1 rejected, revoked or
 * failed, 130 interrupted.
 */
import type { Config } from '../config.js';
import type { ConnectionState } from '../connection/connection.js';
import { RemoteConnection } from '../connection/remote-connection.js';
import type { Logger } from '../log/logger.js';

export interface AuthorizeCommandOptions {
  /** --memory-key; MEMORAM_MEMORY_KEY (in config) is the better way to pass it. */
  memoryKey: string | undefined;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export const INTERRUPTED = 130;

const LOCAL_BACKEND = `memoram-mcp is set up for the local store here, so there is no Memoram account to connect.
To use Memoram, set MEMORAM_API_KEY (your developer API key from the Memoram developer portal) and
MEMORAM_CLIENT_ID (your app's OAuth client id) in the environment, then run memoram-mcp authorize again.
To try it offline, run memoram-mcp emulator: it prints the values to use.
`;

const NO_WAY_IN = `Connecting needs either a browser sign-in or the user's memory key:
  set MEMORAM_CLIENT_ID (your app's OAuth client id from the Memoram developer portal) to sign in through
  the browser, or set MEMORAM_MEMORY_KEY (Memoram dashboard -> memory key), then run memoram-mcp authorize again.
`;

const CONSENT_WAIT = 'Waiting for you to sign in to Memoram and allow access in the browser…';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Without a terminal, a progress line this often (a log file needs no animation). */
const PLAIN_PROGRESS_EVERY_MS = 15_000;

/** Steps on stdout; the wait on stderr, animated on a terminal. */
class Reporter {
  private waiting: { text: string; since: number; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream & { isTTY?: boolean },
  ) {}

  step(text: string): void {
    this.stopWaiting();
    this.stdout.write(`${text}\n`);
  }

  fail(text: string): void {
    this.stopWaiting();
    this.stderr.write(`memoram-mcp: ${text}\n`);
  }

  wait(text: string): void {
    if (this.waiting?.text === text) return;
    this.stopWaiting();
    const since = Date.now();
    const elapsed = () => `${Math.round((Date.now() - since) / 1000)} s`;
    let frame = 0;
    const timer = this.stderr.isTTY
      ? setInterval(() => {
          frame = (frame + 1) % SPINNER.length;
          this.stderr.write(`\r\x1b[K${SPINNER[frame]} ${text} (${elapsed()})`);
        }, 100)
      : setInterval(() => this.stderr.write(`${text} (${elapsed()})\n`), PLAIN_PROGRESS_EVERY_MS);
    timer.unref();
    this.waiting = { text, since, timer };
    if (!this.stderr.isTTY) this.stderr.write(`${text}\n`);
  }

  stopWaiting(): void {
    if (!this.waiting) return;
    clearInterval(this.waiting.timer);
    if (this.stderr.isTTY) this.stderr.write('\r\x1b[K');
    this.waiting = undefined;
  }
}

/** The flow's messages speak to a model ("call authorize again"); here the user runs a command. */
function forTerminal(message: string): string {
  return message.replace(/call authorize again/gi, 'run memoram-mcp authorize again');
}

/**
 * Prints what is new in each state it is shown (each step once, however often it is reported) and
 * returns the exit code once the flow has ended.
 */
function narrator(out: Reporter, seen: Set<string>) {
  const once = (key: string, print: () => void) => {
    if (seen.has(key)) return;
    seen.add(key);
    print();
  };
  return (state: ConnectionState): number | undefined => {
    switch (state.state) {
      case 'awaiting_user_consent':
        out.wait(CONSENT_WAIT);
        return undefined;
      case 'awaiting_approval':
        once(`request:${state.access_request_id}`, () =>
          out.step(
            `Access request ${state.access_request_id} is waiting for your approval.\n` +
              'Open your Memoram dashboard and approve the request from memoram-mcp (Access requests → Approve).',
          ),
        );
        out.wait('Waiting for approval in the Memoram dashboard…');
        return undefined;
      case 'authorized':
        once('end', () =>
          out.step(
            `Connected to Memoram as user ${state.user_id} (key version ${state.key_version}).\n` +
              'MCP clients using this configuration now keep their memories in Memoram; memoram-mcp status shows the connection.',
          ),
        );
        return 0;
      default:
        once('end', () => out.fail(forTerminal(state.message)));
        return 1;
    }
  };
}

/** Prints the sign-in URL the first time a call reports it, and starts waiting for the user. */
function showUrl(out: Reporter, seen: Set<string>) {
  return (url: string, { browserOpened }: { browserOpened: boolean }) => {
    if (seen.has(`url:${url}`)) return;
    seen.add(`url:${url}`);
    out.step(
      `Sign in to Memoram and allow access at:\n\n  ${url}\n\n` +
        (browserOpened
          ? 'Opening your browser… (if it does not open, copy the address above into it)'
          : 'Open the address above in your browser.'),
    );
    out.wait(CONSENT_WAIT);
  };
}

async function drive(connection: RemoteConnection, options: AuthorizeCommandOptions, out: Reporter) {
  const { signal, memoryKey } = options;
  const seen = new Set<string>();
  const before = connection.status();
  if (before.state === 'awaiting_approval') {
    out.step(`Picking up access request ${before.access_request_id}, filed by an earlier run.`);
    seen.add(`request:${before.access_request_id}`);
  } else if (before.state !== 'authorized') {
    out.step(memoryKey ? 'Requesting access with your memory key…' : 'Starting the Memoram sign-in…');
  }
  const narrate = narrator(out, seen);
  const onAuthorizationUrl = showUrl(out, seen);
  // Each call returns after a few seconds at most; steps are printed as they happen meanwhile.
  const onStateChange = (state: ConnectionState) => {
    if (!signal.aborted) narrate(state);
  };
  while (!signal.aborted) {
    const state = await connection.authorize(
      { memory_key: memoryKey },
      { signal, onAuthorizationUrl, onStateChange },
    );
    if (signal.aborted) break;
    const code = narrate(state);
    if (code !== undefined) return code;
  }
  const pending = connection.status();
  out.step(
    pending.state === 'awaiting_approval'
      ? `\nStopped. Access request ${pending.access_request_id} stays pending: run memoram-mcp authorize again to pick it up.`
      : '\nStopped.',
  );
  return INTERRUPTED;
}

export async function authorizeCommand(
  config: Readonly<Config>,
  logger: Logger,
  options: AuthorizeCommandOptions,
): Promise<number> {
  const out = new Reporter(options.stdout ?? process.stdout, options.stderr ?? process.stderr);
  if (config.backend !== 'memoram') {
    out.fail(LOCAL_BACKEND);
    return 1;
  }
  const connection = RemoteConnection.open(config, logger);
  try {
    const state = connection.status().state;
    const started = state === 'authorized' || state === 'awaiting_approval';
    if (!started && !options.memoryKey && !config.memoryKey && !config.clientId) {
      out.fail(NO_WAY_IN);
      return 1;
    }
    return await drive(connection, { ...options, memoryKey: options.memoryKey ?? config.memoryKey }, out);
  } catch (error) {
    if (options.signal.aborted) return INTERRUPTED;
    throw error;
  } finally {
    out.stopWaiting();
    await connection.close();
  }
}
