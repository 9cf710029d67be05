// Preloaded into a server process (node --import) by test/cli/startup-modules.test.ts: registers
// the module hook below, which appends the URL of every ES module the process loads to the file
// named by MEMORAM_TEST_LOADS_FILE, one a line.
import { register } from 'node:module';

register('./record-loads-hook.mjs', import.meta.url, { data: { file: process.env.MEMORAM_TEST_LOADS_FILE } });
