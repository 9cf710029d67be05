/**
 * `memoram-mcp status`: which backend is in use, the connection state, how many memories there
 * are, and search by meaning: whether it is on, with which model, and how many memories have a
 * vector (read from the store, without loading the model). Never prints a key or token.
 */
import type { Config } from '../config.js';
import type { ConnectionState } from '../connection/connection.js';
import { openConnection } from '../connection/open-connection.js';
import type { Logger } from '../log/logger.js';
import { startingScope } from '../memory/scope-source.js';

export interface StatusReport {
  backend: 'local' | 'memoram';
  state: string;
  message: string;
  store_file?: string;
  api_url?: string;
  user_id?: string;
  key_version?: number;
  access_request_id?: string;
  memory_count: number | null;
  /** The current scope a server started here would have (a client's roots may change it). */
  scope: string | null;
  scope_reason: string;
  /** `off (why)` or the configured model. */
  search_by_meaning: string;
  /** Vectors stored, by model id: a running server fills in the rest in the background. */
  vectors: { model: string; count: number }[];
}

function configuredMeaning(config: Readonly<Config>): string {
  const settings = config.embeddings;
  if (settings.provider === 'off') return `off (${settings.reason})`;
  return settings.provider === 'local'
    ? `on (${settings.model})`
    : `on (${settings.model} at ${settings.url})`;
}

export async function collectStatus(config: Readonly<Config>, logger: Logger): Promise<StatusReport> {
  const connection = await openConnection(config, logger);
  try {
    const state = connection.status();
    const report: StatusReport = {
      backend: connection.backend,
      state: state.state,
      message: forPerson(state),
      ...(connection.backend === 'local' ? { store_file: config.storeFile } : { api_url: config.apiUrl }),
      ...('user_id' in state ? { user_id: state.user_id, key_version: state.key_version } : {}),
      ...('access_request_id' in state ? { access_request_id: state.access_request_id } : {}),
      memory_count: null,
      ...scopeOf(config),
      search_by_meaning: configuredMeaning(config),
      vectors: [],
    };
    if (state.state === 'local' || state.state === 'authorized') {
      report.memory_count = await connection.service().count();
      report.vectors = await connection.service().vectorCounts();
    }
    return report;
  } finally {
    await connection.close();
  }
}

/**
 * The connection's messages address the assistant ("call authorize", "ask the user"); `status`
 * speaks to the person at the terminal, whose next step is a command.
 */
function forPerson(state: ConnectionState): string {
  switch (state.state) {
    case 'local':
      return 'Memories are stored locally on this computer, encrypted with a local key. To use a Memoram account instead, set MEMORAM_API_KEY (a Memoram developer API key) and run memoram-mcp authorize.';
    case 'authorized':
      return 'Connected to Memoram.';
    case 'awaiting_approval':
      return 'An access request is waiting for your approval in the Memoram dashboard. Approve it there, then run memoram-mcp authorize to finish connecting.';
    default:
      return 'Not connected to Memoram. Run memoram-mcp authorize to connect: it opens the Memoram sign-in page, or uses your memory key from MEMORAM_MEMORY_KEY.';
  }
}

function scopeOf(config: Readonly<Config>): { scope: string | null; scope_reason: string } {
  const { name, reason } = startingScope({ scope: config.scope, cwd: process.cwd() });
  return { scope: name, scope_reason: reason };
}

export function formatStatus(report: StatusReport): string {
  const rows: [string, string | number | undefined][] = [
    ['backend', report.backend],
    ['state', report.state],
    ['store', report.store_file],
    ['api', report.api_url],
    ['user', report.user_id],
    ['key version', report.key_version],
    ['access request', report.access_request_id],
    ['memories', report.memory_count ?? undefined],
    ['scope', `${report.scope ?? 'none'} (${report.scope_reason})`],
    ['by meaning', report.search_by_meaning],
    ...report.vectors.map(({ model, count }): [string, string] => [
      'vectors',
      `${count}${report.memory_count === null ? '' : ` of ${report.memory_count}`} (${model})`,
    ]),
  ];
  const lines = rows
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => `${label.padEnd(15)}${value}`);
  return `${lines.join('\n')}\n\n${report.message}\n`;
}
