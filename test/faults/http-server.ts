/**
 * The HTTP side of the fault campaigns: a built `serve --http` process on a given store, and real
 * SDK clients over Streamable HTTP shaped as the campaigns' Server, so the ledger drives them as it
 * drives stdio ones. Every fetch a client makes is tallied: answered (any status) or not, and the
 * unanswered ones by why (a refused connection after the process is gone is no reset; a POST whose
 * status came but whose body was cut off got no answer either).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type HttpCli, startHttpCli } from '../mcp/http-cli.js';
import type { Server } from './server.js';

export interface Tally {
  answered: number;
  /** Requests with no answer: reset, closed before a status line, or cut off in a POST's body. */
  unanswered: number;
  /** Connections refused: the process was gone (killed or exited). */
  refused: number;
  statuses: Map<number, number>;
}

export const newTally = (): Tally => ({ answered: 0, unanswered: 0, refused: 0, statuses: new Map() });

function countingFetch(tally: Tally) {
  return async (url: string | URL, init?: RequestInit): Promise<Response> => {
    try {
      const response = await fetch(url, init);
      tally.answered++;
      tally.statuses.set(response.status, (tally.statuses.get(response.status) ?? 0) + 1);
      // A GET is a notification stream, which ends with its server: no answer is owed on it.
      if (init?.method !== 'POST' || !response.body) return response;
      return watchBody(response, () => {
        if (!init.signal?.aborted) tally.unanswered++;
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') tally.refused++;
      else if (!init?.signal?.aborted) tally.unanswered++;
      throw error;
    }
  };
}

/** The same response, telling `onCut` when its body ends in an error instead of its end. */
function watchBody(response: Response, onCut: () => void): Response {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        onCut();
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const { status, statusText, headers } = response;
  return new Response(body, { status, statusText, headers });
}

export function startHttpProcess(env: Record<string, string>): Promise<HttpCli> {
  return startHttpCli(env);
}

/** A client of `process` as a campaign Server; `kill` SIGKILLs the whole process. */
export function httpClient(process: HttpCli, name: string, tally: Tally, modern = false): Server {
  const client = new Client(
    { name, version: '1.0.0' },
    modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL(process.url), {
    requestInit: { headers: process.auth },
    fetch: countingFetch(tally),
  });
  const ready = client.connect(transport);
  ready.catch(() => {});
  return {
    name,
    client,
    pid: () => process.child.pid ?? null,
    stderr: () => process.output.stderr(),
    ready,
    kill: () => {
      if (process.child.exitCode === null) process.child.kill('SIGKILL');
    },
    close: () => client.close(),
  };
}
