// mulberry32: a small seeded generator, the tests' and the bench's one source of chance, so a seed
// gives the same sequence on every machine. Plain .mjs so bench/*.mjs can import it as well.

/** Floats in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
