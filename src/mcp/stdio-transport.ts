/**
 * MCP over stdio, one JSON-RPC message per line, handed to the SDK's serveStdio as its transport.
 *
 * Why not the SDK's StdioServerTransport: its ReadBuffer closes the transport on a line over
 * 10 MiB, and with stdin no longer read the process ran out of work and exited 0; and it skips a
 * line that is not JSON, or not a valid message, without an answer. Here a line is bounded as it
 * arrives (memory stays bounded too): an oversized one is discarded up to its newline and answered
 * with an error under the id read from its first bytes. Each line is then judged by
 * inbound-guard.ts, so every request with an id gets an answer, and the server keeps serving.
 */
import type { Readable, Writable } from 'node:stream';
import {
  INVALID_REQUEST,
  type JSONRPCMessage,
  type RequestId,
  serializeMessage,
  type Transport,
} from '@modelcontextprotocol/server';
import type { Logger } from '../log/logger.js';
import { type ErrorAnswer, errorAnswer, judgeInbound, parseErrorAnswer } from './inbound-guard.js';
import { recoverId } from './recover-id.js';

/**
 * The largest message taken. A create at its limits (32 KiB of content, escaped at worst six bytes
 * a character) is far below it; anything near it is a mistake or an attack.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** How much of an oversized line is kept to find its id. */
const HEAD_BYTES = 4096;

export interface StdioTransportOptions {
  stdin?: Readable;
  stdout?: Writable;
  logger: Logger;
  maxMessageBytes?: number;
}

export class LineStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Resolves once the transport has closed (stdin ended, stdout failed, or close()). */
  readonly closed: Promise<void>;
  /**
   * Resolves once an answer to a request other than `initialize` has been written: the client's
   * handshake is over (a 2025-era client lists tools right after initialize; a 2026-era one sends
   * no initialize), and work that would hold it up can begin.
   */
  readonly handshakeAnswered: Promise<void>;

  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private readonly logger: Logger;
  private readonly max: number;
  private parts: Buffer[] = [];
  private size = 0;
  /** The first bytes of a line being discarded for its size, or undefined. */
  private oversized: Buffer | undefined;
  private isClosed = false;
  private markClosed!: () => void;
  private markAnswered!: () => void;
  /** The ids of the initialize requests received, whose answers are not the end of the handshake. */
  private readonly initializeIds = new Set<RequestId>();

  constructor(options: StdioTransportOptions) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.logger = options.logger;
    this.max = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    this.handshakeAnswered = new Promise((resolve) => {
      this.markAnswered = resolve;
    });
  }

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
    this.stdin.on('end', this.onEnd);
    this.stdin.on('close', this.onEnd);
    this.stdout.on('error', this.onWriteError);
    if (this.stdin.readableEnded || this.stdin.destroyed) setImmediate(this.onEnd);
  }

  send(message: JSONRPCMessage): Promise<void> {
    const answered = 'id' in message && !('method' in message) ? message.id : undefined;
    if (answered !== undefined && !this.initializeIds.has(answered)) this.markAnswered();
    return this.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    this.stdin.off('end', this.onEnd);
    this.stdin.off('close', this.onEnd);
    this.stdin.pause();
    this.parts = [];
    this.oversized = undefined;
    this.onclose?.();
    this.markClosed();
  }

  private readonly onData = (chunk: Buffer | string) => {
    let rest = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (rest.length > 0 && !this.isClosed) {
      const newline = rest.indexOf(10);
      const piece = newline === -1 ? rest : rest.subarray(0, newline);
      this.take(piece);
      if (newline === -1) return;
      this.endLine();
      rest = rest.subarray(newline + 1);
    }
  };

  /** Adds bytes to the current line, switching to discarding once it passes the bound. */
  private take(piece: Buffer) {
    if (this.oversized) return;
    this.parts.push(piece);
    this.size += piece.length;
    if (this.size > this.max) {
      this.oversized = Buffer.concat(this.parts).subarray(0, HEAD_BYTES);
      this.parts = [];
    }
  }

  private endLine() {
    const head = this.oversized;
    const line = head ? undefined : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    this.oversized = undefined;
    if (head) return this.answerOversized(recoverId(head.toString('utf8')));
    const text = line!.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.answer(parseErrorAnswer(), 'a line that is not JSON');
    }
    const verdict = judgeInbound(value);
    if (verdict.kind === 'deliver') {
      const message = verdict.message;
      if ('method' in message && message.method === 'initialize' && 'id' in message)
        this.initializeIds.add(message.id);
      this.onmessage?.(message);
    } else if (verdict.kind === 'answer') this.answer(verdict.answer, verdict.reason);
    else this.logger.debug('dropped an inbound message', { reason: verdict.reason });
  }

  private answerOversized(id: RequestId | null) {
    const limit = `${Math.round(this.max / 1024 / 1024)} MiB`;
    const text = `Invalid request: message too large (over ${limit}); nothing in it was run`;
    this.answer(errorAnswer(id, INVALID_REQUEST, text), 'a message over the size limit');
  }

  private answer(answer: ErrorAnswer | ErrorAnswer[], reason: string) {
    this.logger.warn('answered an invalid message with an error', { reason });
    this.write(`${JSON.stringify(answer)}\n`).catch(() => {});
  }

  private write(text: string): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('the stdio transport is closed'));
    // Settles once the OS took the line, so a slow client holds senders back instead of memory.
    return new Promise((resolve, reject) => {
      this.stdout.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  private readonly onEnd = () => {
    this.close().catch(() => {});
  };

  private readonly onStreamError = (error: Error) => {
    this.onerror?.(error);
  };

  /** A client that stopped reading cannot be answered any more: the connection is over. */
  private readonly onWriteError = (error: Error) => {
    if (this.isClosed) return;
    this.onerror?.(error);
    this.close().catch(() => {});
  };
}
