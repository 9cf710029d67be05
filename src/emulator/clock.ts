/**
 * The emulator's clock: real time plus an offset the control API can advance, so token expiry
 * can be tested without waiting (CONTRACT.md §11).
 */

export interface Clock {
  now(): Date;
  advance(ms: number): void;
}

export function createClock(): Clock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}
