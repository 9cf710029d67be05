/**
 * What a fault campaign reports: its figures as a small table in the test output, and, when
 * MEMORAM_FAULT_REPORT names a file, one JSON line appended to it (the last line per campaign is
 * the last run), from which the README's reliability table is built.
 */
import { appendFileSync } from 'node:fs';

export interface CampaignFigures {
  campaign: string;
  seed: number;
  /** Writes sent: creates, updates and deletes. */
  attempted: number;
  /** Writes the server answered as done. */
  acknowledged: number;
  /** Acknowledged writes whose effect was read back as acknowledged. */
  found: number;
  /** Acknowledged writes whose effect was missing or different. */
  lost: number;
  /** Memories stored more than once (the same content under two ids). */
  duplicated: number;
  /** The campaign's own figures (kills, conflicts, writes in doubt...), named for the table. */
  details: Record<string, number>;
  seconds: number;
}

export function formatFigures(figures: CampaignFigures): string {
  const head = '| campaign | attempted | acknowledged | found | lost | duplicated |';
  const row = `| ${figures.campaign} | ${figures.attempted} | ${figures.acknowledged} | ${figures.found} | ${figures.lost} | ${figures.duplicated} |`;
  const details = Object.entries(figures.details).map(([name, value]) => `  ${name}: ${value}`);
  return [
    `${figures.campaign} campaign, seed ${figures.seed}, ${figures.seconds.toFixed(1)} s`,
    head,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row,
    ...details,
  ].join('\n');
}

/** Prints the table and appends the JSON line when MEMORAM_FAULT_REPORT is set. */
export function reportFigures(figures: CampaignFigures): void {
  console.log(formatFigures(figures));
  const file = process.env.MEMORAM_FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ ...figures, at: new Date().toISOString() })}\n`);
}
