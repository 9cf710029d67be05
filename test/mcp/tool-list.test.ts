/**
 * The tool surface is an API: this snapshot makes any change to names, copy, annotations or schemas
 * show up in review. Update it deliberately (`npx vitest run test/tool-list.test.ts -u`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, startLocal } from '../helpers/mcp-pair.js';

/** What tools/list may cost in a model's context, in characters of JSON. */
const TOOL_LIST_BUDGET = 8_000;

let pair: Pair;
let tools: Awaited<ReturnType<Pair['client']['listTools']>>['tools'];

beforeAll(async () => {
  pair = await startLocal();
  ({ tools } = await pair.client.listTools());
});

afterAll(async () => {
  await pair.close();
});

it('matches the reviewed snapshot', () => {
  const surface = tools.map(({ name, title, description, annotations, inputSchema, outputSchema }) => ({
    name,
    title,
    description,
    annotations,
    inputSchema,
    outputSchema,
  }));
  expect(surface).toMatchSnapshot();
});

it(`stays within ${TOOL_LIST_BUDGET} characters`, () => {
  expect(JSON.stringify(tools).length).toBeLessThanOrEqual(TOOL_LIST_BUDGET);
});

it('offers the seven tools of the design, in order', () => {
  expect(tools.map((tool) => tool.name)).toEqual([
    'search_memories',
    'read_memories',
    'create_memory',
    'update_memory',
    'delete_memories',
    'list_tags',
    'authorize',
  ]);
});

describe.each([0, 1, 2, 3, 4, 5, 6])('tool %i', (index) => {
  it('has a sentence-case title, a description, all four annotations and both schemas', () => {
    const tool = tools[index]!;
    expect(tool.title).toMatch(/^[A-Z][a-z]*( ([a-z]+|Memoram))*$/);
    expect(tool.description?.length).toBeGreaterThan(40);
    expect(Object.keys(tool.annotations ?? {}).sort()).toEqual([
      'destructiveHint',
      'idempotentHint',
      'openWorldHint',
      'readOnlyHint',
    ]);
    expect(tool.inputSchema.type).toBe('object');
    expect(tool.outputSchema?.type).toBe('object');
  });

  it('bounds every string, array and number it accepts', () => {
    const tool = tools[index]!;
    const unbounded = Object.entries(tool.inputSchema.properties ?? {}).filter(([name, schema]) =>
      isUnbounded(name, schema as JsonSchema),
    );
    expect(unbounded.map(([name]) => name)).toEqual([]);
  });
});

it('marks only the tools that write nothing read-only, and only authorize open-world', () => {
  const flagged = (hint: 'readOnlyHint' | 'openWorldHint' | 'destructiveHint') =>
    tools.filter((tool) => tool.annotations?.[hint]).map((tool) => tool.name);
  expect(flagged('readOnlyHint')).toEqual(['search_memories', 'read_memories', 'list_tags']);
  expect(flagged('destructiveHint')).toEqual(['update_memory', 'delete_memories']);
  expect(flagged('openWorldHint')).toEqual(['authorize']);
});

interface JsonSchema {
  type?: string;
  maxLength?: number;
  maxItems?: number;
  maximum?: number;
  items?: JsonSchema;
}

/** `content` is bounded in bytes (32 KiB), which JSON Schema cannot say; its description does. */
function isUnbounded(name: string, schema: JsonSchema): boolean {
  switch (schema.type) {
    case 'string':
      return schema.maxLength === undefined && name !== 'content';
    case 'array':
      return schema.maxItems === undefined || (schema.items !== undefined && isUnbounded(name, schema.items));
    case 'number':
    case 'integer':
      return schema.maximum === undefined;
    default:
      return false;
  }
}
