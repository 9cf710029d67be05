/**
 * Recall on a dialog corpus shaped like the public conversation-memory benchmarks (each turn a
 * memory, each question asked in other words than its answer: dialog-corpus.ts), through the
 * real tool. The floors sit above what FTS5's own BM25 (k1 1.2, b 0.75) reached on it, recall@5
 * 0.437 and MRR 0.350 (README, Search), so a return to it fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, type Pair, startLocal, structured, text } from '../helpers/mcp-pair.js';
import { expectWellFormed, seedCorpus } from './corpus-store.js';
import { DIALOG_CORPUS, DIALOG_QUESTIONS } from './dialog-corpus.js';

let pair: Pair;
let keyOf: Map<string, string>;

beforeAll(async () => {
  pair = await startLocal();
  keyOf = await seedCorpus(pair.client, DIALOG_CORPUS);
}, 120_000);

afterAll(async () => {
  await pair?.close();
});

describe('relevance on a dialog corpus', () => {
  it('the corpus and its questions are well formed', () => {
    expectWellFormed(DIALOG_CORPUS, DIALOG_QUESTIONS, { memories: 200, questions: 60 });
  });

  it('finds more of the evidence turns, and ranks them higher, than FTS5’s own BM25', async () => {
    let found = 0;
    let total = 0;
    let reciprocal = 0;
    for (const { question, answers } of DIALOG_QUESTIONS) {
      const result = await callTool(pair.client, 'search_memories', { query: question, limit: 10 });
      expect(result.isError, `${question}: ${text(result)}`).toBeFalsy();
      const top = structured<{ memories: { id: string }[] }>(result).memories.map((hit) => keyOf.get(hit.id));
      found += answers.filter((answer) => top.slice(0, 5).includes(answer)).length;
      total += answers.length;
      const first = top.findIndex((key) => key !== undefined && answers.includes(key));
      reciprocal += first >= 0 ? 1 / (first + 1) : 0;
    }
    const recall = found / total;
    const mrr = reciprocal / DIALOG_QUESTIONS.length;
    console.log(`dialog relevance: recall@5 ${recall.toFixed(3)}, MRR@10 ${mrr.toFixed(3)}`);
    expect(recall).toBeGreaterThanOrEqual(0.45);
    expect(mrr).toBeGreaterThanOrEqual(0.38);
  });
});
