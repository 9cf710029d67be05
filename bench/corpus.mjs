// The benchmark's corpus: the README's own kind of synthetic memories (words of a made-up
// language, skewed so a few are common and most are rare, as in real text), deterministic from a
// seed, and the files that seed the two servers with the same memories: a memoram-mcp export
// (JSON, read by `memoram-mcp import`) and server-memory's JSONL knowledge graph (one entity per
// memory, its content as the observation). Files are streamed, so a million memories fit.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'de', 'po', 'an', 'el', 'or', 'ix', 'um'];
function word(i) {
  let n = i + 7;
  let out = '';
  do {
    out += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  return out;
}
export const WORDS = Array.from({ length: 3000 }, (_, i) => word(i));

/** A linear congruential generator on 31 bits; Math.imul keeps the product exact (no float overflow). */
export function randomStream(seed) {
  let state = seed & 0x7fffffff;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  // Squaring skews the picks towards the first words: a few common, most rare.
  const pick = () => WORDS[Math.floor(random() ** 2 * WORDS.length)];
  const sentence = (n) => Array.from({ length: n }, pick).join(' ');
  return { random, pick, sentence };
}

/** Memories in order from one stream: the first 1,000 of a 100,000 corpus are the 1,000 corpus. */
export function* memories(count, { seed = 42, from = 0 } = {}) {
  const { random, pick, sentence } = randomStream(seed);
  for (let i = 0; i < count; i++) {
    yield {
      content: `${sentence(20 + Math.floor(random() * 40))} (note ${from + i})`,
      title: sentence(3 + Math.floor(random() * 4)),
      tags: [pick(), pick()],
      importance: Math.round(random() * 100) / 100,
    };
  }
}

/** The same memory as a server-memory entity: unique name, first tag as its type, content observed. */
export function asEntity(memory, index) {
  return { name: `${memory.title} #${index}`, entityType: memory.tags[0], observations: [memory.content] };
}

/** Search queries as the memories' own words come: single words, and two words 30% of the time. */
export function queries(count, seed) {
  const { random, pick } = randomStream(seed);
  return Array.from({ length: count }, () => (random() < 0.3 ? `${pick()} ${pick()}` : pick()));
}

async function writeLines(file, lines) {
  const out = createWriteStream(file);
  for (const line of lines) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Writes the corpus as a memoram-mcp export at `exportFile` and (if given) a server-memory graph at `graphFile`. */
export async function writeCorpusFiles(count, exportFile, graphFile) {
  await writeLines(
    exportFile,
    (function* () {
      yield '{"format":"memoram-mcp-export","version":1,"memories":[\n';
      let index = 0;
      for (const memory of memories(count)) yield `${index++ === 0 ? '' : ',\n'}${JSON.stringify(memory)}`;
      yield '\n]}\n';
    })(),
  );
  if (graphFile === undefined) return;
  await writeLines(
    graphFile,
    (function* () {
      let index = 0;
      for (const memory of memories(count)) {
        yield `${index === 0 ? '' : '\n'}${JSON.stringify({ type: 'entity', ...asEntity(memory, index) })}`;
        index++;
      }
    })(),
  );
}
