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
