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
import { expectWellFormed, seedCorpus } from './corpus-store.js';

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
let keyOf: Map<string, string>;

beforeAll(async () => {
  pair = await startLocal();
  keyOf = await seedCorpus(pair.client, CORPUS);
}, 120_000);

afterAll(async () => {
  await pair?.close();
});

describe('relevance on question-shaped queries', () => {
  it('the corpus and its questions are well formed', () => {
    expectWellFormed(CORPUS, QUESTIONS, { memories: 200, questions: 30 });
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
