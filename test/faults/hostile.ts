// Generators of hostile input for the fuzz campaign: tool calls with wrong types, huge and odd
// strings, deep objects, prototype keys and FTS5 syntax, and raw JSON-RPC lines that break the
// protocol. Everything comes from one seeded PRNG, so a seed replays a whole campaign. No value
// contains a path or "    at ", so finding one in an answer means the server leaked it.

import { mulberry32 } from '../helpers/mulberry32.mjs';

/** The campaign's generator: the same sequence for the same seed everywhere. */
export const prng: (seed: number) => () => number = mulberry32;

export class Hostile {
  constructor(private readonly random: () => number) {}

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  string(): string {
    return this.pick([
      () => '',
      () => ' ',
      () => 'plain words about coffee',
      () => 'x'.repeat(this.pick([199, 200, 201, 500, 501, 32 * 1024, 32 * 1024 + 1, 100_000])),
      () => '€'.repeat(this.pick([10_000, 11_000])), // 3 bytes each: past 32 KiB in bytes, not chars
      () => '\ud800 lone surrogate \udfff',
      () => 'zero\u200bwidth\u200d and \u202eright-to-left',
      () => 'nul \u0000 inside',
      () => '🧠💾 emoji and 漢字かな交じり文 and Ελληνικά',
      () => 'e\u0301 combining and ﬁ ligature',
      () => '__proto__',
      () => 'constructor',
      () => this.ftsQuery(),
      () => '\n\r\t',
      () => '%s %d $' + '{x} {{x}} \\u0000', // printf and template placeholders
    ])();
  }

  ftsQuery(): string {
    return this.pick([
      '"unterminated phrase',
      'NEAR(coffee tea, 2)',
      'coffee AND OR NOT',
      '*',
      'title:coffee',
      '^start',
      '-excluded',
      '(((nested',
      'a OR b OR c OR d OR e OR f OR g OR h',
      '"" "" ""',
      'coffee*',
      'col:"x" AND content:y',
      "'; DROP TABLE memories; --",
      'MATCH',
      '{title content}: coffee',
      '  ',
    ]);
  }

  /** Any JSON value, the wrong one for most fields. */
  value(depth = 0): unknown {
    const choices: (() => unknown)[] = [
      () => null,
      () => true,
      () => 0,
      () => -1,
      () => 1.5,
      () => 1e308,
      () => Number.MAX_SAFE_INTEGER + 2,
      () => this.string(),
      () => [],
      () => ({}),
    ];
    if (depth < 3) {
      choices.push(
        () => [this.value(depth + 1), this.value(depth + 1)],
        () => ({ [this.key()]: this.value(depth + 1) }),
      );
    }
    return this.pick(choices)();
  }

  key(): string {
    return this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'a', '', '💾']);
  }

  deep(levels: number): unknown {
    let value: unknown = 'bottom';
    for (let i = 0; i < levels; i++) value = this.chance(0.5) ? [value] : { nested: value };
    return value;
  }

  id(): string {
    return this.pick([
      'mem_does_not_exist',
      '00000000-0000-0000-0000-000000000000',
      '',
      '../../etc/passwd',
      'x'.repeat(300),
      '💾',
      '__proto__',
      "1' OR '1'='1",
    ]);
  }

  limit(): unknown {
    return this.pick([0, 1, 50, 51, -1, 1.5, 1000, '10', null]);
  }
}

export const TOOL_NAMES = [
  'search_memories',
  'read_memories',
  'create_memory',
  'update_memory',
  'delete_memories',
  'list_tags',
  'authorize',
] as const;

/** Arguments for one call: near what the tool expects, then bent. Never an id of a real memory. */
export function hostileArguments(h: Hostile, tool: string): unknown {
  // A third of the calls are well formed, so hostile values also reach search, storage and FTS5.
  if (h.chance(0.35)) return plausibleArguments(h, tool);
  const base: Record<string, unknown> = {
    search_memories: {
      query: h.chance(0.6) ? h.ftsQuery() : h.string(),
      limit: h.limit(),
      tags: h.chance(0.5) ? [h.string()] : h.value(),
      min_importance: h.pick([0, 1, 1.01, -0.1, '0.5']),
      created_after: h.pick(['2020-01-01', 'not a date', '9999-99-99T99:99:99Z', 0]),
      cursor: h.pick(['', 'garbage', 'x'.repeat(201), 'eyJvZmZzZXQiOi0xfQ']),
    },
    read_memories: {
      ids: h.chance(0.7) ? Array.from({ length: h.pick([0, 1, 20, 21]) }, () => h.id()) : h.value(),
    },
    create_memory: {
      content: h.string(),
      title: h.chance(0.5) ? h.string() : undefined,
      summary: h.chance(0.3) ? h.string() : undefined,
      tags: h.chance(0.5) ? Array.from({ length: h.pick([0, 1, 20, 21]) }, () => h.string()) : undefined,
      importance: h.chance(0.5) ? h.pick([0, 1, 2, -1, '1', null]) : undefined,
      source: h.chance(0.3) ? h.string() : undefined,
    },
    update_memory: {
      id: h.id(),
      content: h.chance(0.5) ? h.string() : undefined,
      tags: h.chance(0.3) ? h.value() : undefined,
      expected_updated_at: h.chance(0.3) ? h.pick(['2020-01-01T00:00:00Z', 'nope']) : undefined,
    },
    delete_memories: {
      ids: h.chance(0.7) ? Array.from({ length: h.pick([0, 1, 50, 51]) }, () => h.id()) : h.value(),
    },
    list_tags: {},
    authorize: {
      memory_key: h.chance(0.5) ? h.string() : undefined,
      reason: h.chance(0.5) ? h.string() : undefined,
    },
  };
  // Own keys only: base.__proto__ is Object.prototype, and assigning args.__proto__ sets a prototype.
  const args = (Object.hasOwn(base, tool) ? base[tool] : {}) as Record<string, unknown>;
  const bend = h.int(6);
  if (bend === 0) return h.value(); // not an object at all
  if (bend === 1) {
    // An extra, prototype-ish key, as its own property (what JSON.parse makes of it on the server).
    Object.defineProperty(args, h.key(), { value: h.value(), enumerable: true, writable: true });
  }
  if (bend === 2) {
    const fields = Object.keys(args);
    if (fields.length > 0) args[h.pick(fields)] = h.value(); // one field of the wrong type
  }
  if (bend === 3) args.deep = h.deep(h.pick([50, 500]));
  return args;
}

/** A raw line and whether (and under which id) it must be answered. */
export interface RawLine {
  line: string;
  /** The ids that must each get exactly one answer. */
  ids: (string | number)[];
  /** Whether an answer with id null (a parse error, an invalid request) is due. */
  nullAnswer: boolean;
}

export function hostileLine(h: Hostile, nextId: () => number): RawLine {
  const id = nextId();
  const request = (fields: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', id, ...fields });
  const cases: (() => RawLine)[] = [
    () => ({
      line: h.pick(['not json', '{', '{"jsonrpc":"2.0",', '[1,2', 'nul', '\u0000\u0001', "{'a':1}"]),
      ids: [],
      nullAnswer: true,
    }),
    () => ({
      line: JSON.stringify({ jsonrpc: h.pick(['1.0', '3.0', 2, null]), id, method: 'ping' }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({
      line: request({ method: 'tools/list', params: h.pick(['a string', 42, [1, 2], true]) }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({
      line: request({ method: 'tools/list', params: { _meta: h.pick(['x', 1, [], null]) } }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({
      line: request({
        method: 'tools/call',
        params: {
          name: 'list_tags',
          arguments: {},
          _meta: { progressToken: h.pick([{}, [], 1.5, null, true]) },
        },
      }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({ line: request({ params: {} }), ids: [id], nullAnswer: false }), // no method
    () => ({
      line: request({ method: h.pick(['', 'no/such/method', 'tools/cal', 'rpc.discover', '__proto__']) }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({ line: request({ method: 'ping', extra: 1 }), ids: [id], nullAnswer: false }),
    () => ({
      line: request({
        method: 'tools/call',
        params: {
          name: h.pick(['__proto__', 'toString', 'constructor', 'hasOwnProperty', '', 'x'.repeat(300)]),
        },
      }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({
      line: request({
        method: 'resources/read',
        params: {
          uri: h.pick([
            'memoram://memories/nope',
            'memoram://memories/',
            'file:///etc/passwd',
            'not a uri',
            'memoram://status',
          ]),
        },
      }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({
      line: request({
        method: 'prompts/get',
        params: { name: h.pick(['recall', 'remember', '__proto__', 'nope']), arguments: h.value() },
      }),
      ids: [id],
      nullAnswer: false,
    }),
    () => ({
      line: JSON.stringify({ jsonrpc: '2.0', id: h.pick([null, {}, [], 1.5, true]), method: 'ping' }),
      ids: [],
      nullAnswer: true,
    }),
    () => {
      const second = nextId();
      return {
        line: JSON.stringify([
          { jsonrpc: '2.0', id, method: 'ping' },
          { jsonrpc: '2.0', id: second, method: 'tools/list' },
        ]),
        ids: [id, second],
        nullAnswer: false,
      };
    },
    () => ({ line: '[]', ids: [], nullAnswer: true }),
    () => ({ line: JSON.stringify(h.pick([42, 'a string', null, true])), ids: [], nullAnswer: true }),
    () => ({
      line: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/whatever', params: h.value() }),
      ids: [],
      nullAnswer: false,
    }),
    () => ({
      line: JSON.stringify({ jsonrpc: '2.0', id: 987654321, result: {} }),
      ids: [],
      nullAnswer: false,
    }), // a response nobody asked for
    () => ({
      line: request({
        method: 'completion/complete',
        params: {
          ref: { type: 'ref/prompt', name: h.pick(['recall', '__proto__']) },
          argument: { name: 'topic', value: h.string() },
        },
      }),
      ids: [id],
      nullAnswer: false,
    }),
  ];
  return h.pick(cases)();
}

function plausibleArguments(h: Hostile, tool: string): Record<string, unknown> {
  const text = () => h.pick(['coffee', 'tea at noon', h.ftsQuery(), '🧠 漢字', 'e\u0301', 'zero\u200bwidth']);
  switch (tool) {
    case 'search_memories':
      return h.chance(0.5) ? { query: text() } : { query: text(), limit: h.pick([1, 50]), tags: ['earlier'] };
    case 'create_memory':
      return { content: `${text()} ${h.int(1000)}`, tags: h.chance(0.5) ? ['fuzz'] : [] };
    case 'read_memories':
    case 'delete_memories':
      return { ids: [h.id()] };
    case 'update_memory':
      return { id: h.id(), content: text() };
    default:
      return {};
  }
}
