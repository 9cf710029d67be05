/**
 * Relevance of search_memories on question-shaped queries over a conversation-like corpus,
 * measured against a yardstick computed here on the same corpus: plain Okapi BM25 (k1 1.2, b 0.75)
 * with Porter stemming and stop-word removal, from wink-bm25-text-search. The server must find at
 * least as many right answers in its top 5 as the yardstick does in its own.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bm25 from 'wink-bm25-text-search';
import nlp from 'wink-nlp-utils';
import { callTool, type Pair, startLocal, structured, text } from '../helpers/mcp-pair.js';
import { CORPUS, type CorpusMemory, QUESTIONS } from './conversation-corpus.js';

const TOP = 5;

/** wink's tokenizer splits on anything outside [A-Za-z0-9_], so accents are folded first (Tomás → tomas). */
const foldAccents = (value: string) => value.normalize('NFKD').replace(/\p{M}/gu, '');

function yardstick(corpus: readonly CorpusMemory[]) {
  const engine = bm25();
  const fields = { title: 1, summary: 1, tags: 1, content: 1 };
  engine.defineConfig({ fldWeights: fields, bm25Params: { k1: 1.2, b: 0.75 } });
  engine.definePrepTasks([
    foldAccents,
    nlp.string.lowerCase,
    nlp.string.tokenize0,
    nlp.tokens.removeWords,
    nlp.tokens.stem,
  ]);
  for (const memory of corpus) {
    engine.addDoc(
      {
        title: memory.title,
        summary: memory.summary ?? '',
        tags: memory.tags.join(' '),
        content: memory.content,
      },
      memory.key,
    );
  }
  engine.consolidate();
  return (question: string) => engine.search(question, TOP).map(([key]) => key);
}

let pair: Pair;
const keyOf = new Map<string, string>();

beforeAll(async () => {
  pair = await startLocal();
  for (const memory of CORPUS) {
    const result = await callTool(pair.client, 'create_memory', {
      content: memory.content,
      title: memory.title,
      ...(memory.summary ? { summary: memory.summary } : {}),
      tags: memory.tags,
      importance: memory.importance,
    });
    expect(result.isError, text(result)).toBeFalsy();
    const created = structured<{ id: string; deduplicated: boolean }>(result);
    expect(created.deduplicated, memory.key).toBe(false);
    keyOf.set(created.id, memory.key);
  }
}, 120_000);

afterAll(async () => {
  await pair?.close();
});

describe('relevance on question-shaped queries', () => {
  it('the corpus and its questions are well formed', () => {
    const keys = new Set(CORPUS.map((memory) => memory.key));
    expect(keys.size).toBe(CORPUS.length);
    expect(CORPUS.length).toBeGreaterThanOrEqual(200);
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(30);
    for (const { question, answers } of QUESTIONS) {
      expect(answers.length, question).toBeGreaterThan(0);
      for (const answer of answers) expect(keys.has(answer), `${question} → ${answer}`).toBe(true);
    }
  });

  it(`finds at least as many right answers in the top ${TOP} as Okapi BM25 with stemming and stop words`, async () => {
    const bm25Top = yardstick(CORPUS);
    let ours = 0;
    let theirs = 0;
    const lines: string[] = [];
    for (const { question, answers } of QUESTIONS) {
      const result = await callTool(pair.client, 'search_memories', { query: question, limit: TOP });
      expect(result.isError, `${question}: ${text(result)}`).toBeFalsy();
      const ids = structured<{ memories: { id: string }[] }>(result).memories.map((hit) => hit.id);
      const top = ids.map((id) => keyOf.get(id) ?? id);
      const reference = bm25Top(question);
      const hits = answers.filter((answer) => top.includes(answer)).length;
      const referenceHits = answers.filter((answer) => reference.includes(answer)).length;
      ours += hits;
      theirs += referenceHits;
      if (hits !== referenceHits || hits < answers.length) {
        lines.push(
          `  ${hits}/${answers.length} vs bm25 ${referenceHits}/${answers.length}  ${question}\n` +
            `      want ${answers.join(', ')}\n      ours ${top.join(', ')}\n      bm25 ${reference.join(', ')}`,
        );
      }
    }
    const total = QUESTIONS.reduce((sum, { answers }) => sum + answers.length, 0);
    console.log(
      `relevance: search_memories ${ours}/${total} right answers in the top ${TOP}, ` +
        `Okapi BM25 ${theirs}/${total} (${QUESTIONS.length} questions, ${CORPUS.length} memories)\n` +
        lines.join('\n'),
    );
    expect(ours).toBeGreaterThanOrEqual(theirs);
  });
});
