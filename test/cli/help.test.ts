/** `--help` for the command and each subcommand, and command lines that do not parse (exit 2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(() => home.cleanup());

const COMMANDS = ['serve', 'authorize', 'status', 'logout', 'export', 'import', 'emulator'];

describe('--help', () => {
  it.each(COMMANDS)(
    'memoram-mcp %s --help prints its usage and options, and runs nothing',
    async (command) => {
      for (const flag of ['--help', '-h']) {
        const result = await runCli([command, flag], home.env);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(new RegExp(`^Usage: memoram-mcp \\[?${command}`));
        expect(result.stdout).toContain('memoram-mcp --help');
      }
    },
  );

  it('names every subcommand in the help of the whole command', async () => {
    const result = await runCli(['--help'], home.env);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`memoram-mcp \\[?${command}`));
  });
});

describe('a command line that does not parse', () => {
  it.each([
    [['import', '--bogus', 'file.json'], 'Unknown option --bogus.', 'Usage: memoram-mcp import FILE'],
    [['serve', '--nope'], 'Unknown option --nope.', 'Usage: memoram-mcp serve'],
    [['--nope'], 'Unknown option --nope.', 'Usage: memoram-mcp serve'],
    [['status', 'extra'], 'Unexpected argument "extra".', 'Usage: memoram-mcp status'],
    [['import'], 'import needs the FILE to read.', 'Usage: memoram-mcp import FILE'],
    [['frobnicate'], 'unknown command "frobnicate"', 'Usage: memoram-mcp COMMAND'],
  ])('%j is refused with the usage line and exit code 2', async (args, message, usage) => {
    const result = await runCli(args, home.env);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(usage);
  });
});
