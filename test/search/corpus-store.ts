/** Loading a test corpus into a server through create_memory, and checking its questions' keys. */
import type { Client } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { callTool, structured, text } from '../helpers/mcp-pair.js';
import type { CorpusMemory, CorpusQuestion } from './conversation-corpus.js';

/** Creates every memory of `corpus`; answers each created id's corpus key. */
export async function seedCorpus(
  client: Client,
  corpus: readonly CorpusMemory[],
): Promise<Map<string, string>> {
  const keyOf = new Map<string, string>();
  for (const memory of corpus) {
    const result = await callTool(client, 'create_memory', {
      content: memory.content,
      ...(memory.title ? { title: memory.title } : {}),
      ...(memory.summary ? { summary: memory.summary } : {}),
      tags: memory.tags,
      importance: memory.importance,
    });
    expect(result.isError, text(result)).toBeFalsy();
    const created = structured<{ id: string; deduplicated: boolean }>(result);
    expect(created.deduplicated, memory.key).toBe(false);
    keyOf.set(created.id, memory.key);
  }
  return keyOf;
}

export interface Relevance {
  /** The share of all answers found in the top 5, and in the top 10. */
  recallAt5: number;
  recallAt10: number;
  /** The mean over questions of 1 / the rank of the first answer found in the top 10. */
  mrr: number;
}

/** Asks every question through search_memories (top 10) and measures what it finds. */
export async function measureRelevance(
  client: Client,
  keyOf: ReadonlyMap<string, string>,
  questions: readonly CorpusQuestion[],
): Promise<Relevance> {
  let at5 = 0;
  let at10 = 0;
  let total = 0;
  let reciprocal = 0;
  for (const { question, answers } of questions) {
    const result = await callTool(client, 'search_memories', { query: question, limit: 10 });
    expect(result.isError, `${question}: ${text(result)}`).toBeFalsy();
    const top = structured<{ memories: { id: string }[] }>(result).memories.map((hit) => keyOf.get(hit.id));
    at5 += answers.filter((answer) => top.slice(0, 5).includes(answer)).length;
    at10 += answers.filter((answer) => top.includes(answer)).length;
    total += answers.length;
    const first = top.findIndex((key) => key !== undefined && answers.includes(key));
    reciprocal += first >= 0 ? 1 / (first + 1) : 0;
  }
  return { recallAt5: at5 / total, recallAt10: at10 / total, mrr: reciprocal / questions.length };
}

/** Unique keys, at least `sizes` memories and questions, and every answer a key of the corpus. */
export function expectWellFormed(
  corpus: readonly CorpusMemory[],
  questions: readonly CorpusQuestion[],
  sizes: { memories: number; questions: number },
): void {
  const keys = new Set(corpus.map((memory) => memory.key));
  expect(keys.size).toBe(corpus.length);
  expect(corpus.length).toBeGreaterThanOrEqual(sizes.memories);
  expect(questions.length).toBeGreaterThanOrEqual(sizes.questions);
  for (const { question, answers } of questions) {
    expect(answers.length, question).toBeGreaterThan(0);
    for (const answer of answers) expect(keys.has(answer), `${question} → ${answer}`).toBe(true);
  }
}
