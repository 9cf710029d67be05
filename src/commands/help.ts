/**
 * What `memoram-mcp COMMAND --help` prints: each command's usage line, what it does, and its own
 * options. The configuration options every command takes are listed once, by `memoram-mcp --help`.
 */

interface CommandHelp {
  usage: string;
  text: string;
}

const HELP: Record<string, CommandHelp> = {
  serve: {
    usage: 'memoram-mcp serve [--http [--port N] [--host H] [--no-token]] [OPTIONS]',
    text:
      'Serves MCP over stdio (also with no command at all): what an MCP client runs. stdout carries\n' +
      'only JSON-RPC; logs go to stderr.\n\n' +
      '  --http              serve Streamable HTTP at /mcp instead, for several clients at once;\n' +
      '                      clients send "Authorization: Bearer <token>", the token being\n' +
      '                      MEMORAM_HTTP_TOKEN or else the http.token file it makes in the\n' +
      '                      config directory at the first start\n' +
      '  --port N, --host H  where it listens (loopback by default; any other address needs\n' +
      '                      MEMORAM_HTTP_TOKEN)\n' +
      '  --no-token          no token (loopback only: any local account can then connect);\n' +
      '                      the same as MEMORAM_HTTP_TOKEN=off',
  },
  ui: {
    usage: 'memoram-mcp ui [--port N] [--no-open] [OPTIONS]',
    text:
      'Serves a page on 127.0.0.1 to browse, search, correct, delete and export your memories, on\n' +
      'the configured backend; prints its link (which carries a key for this start only) and opens\n' +
      'it in the browser.\n\n' +
      '  --port N     where it listens (default: any free port)\n' +
      '  --no-open    print the link only (also MEMORAM_NO_BROWSER)',
  },
  authorize: {
    usage: 'memoram-mcp authorize [--no-browser] [--memory-key K] [OPTIONS]',
    text:
      'Connects the Memoram account: sign in through the browser (or use the memory key), then\n' +
      'approve access in the Memoram dashboard.\n\n' +
      '  --no-browser      print the sign-in URL instead of opening a browser\n' +
      '  --memory-key K    skip the sign-in with the memory key (prefer MEMORAM_MEMORY_KEY: a key\n' +
      '                    on the command line shows in the process list and in shell history)',
  },
  status: {
    usage: 'memoram-mcp status [--json] [OPTIONS]',
    text: 'Prints the backend, the connection and the memory count.\n\n  --json    as JSON',
  },
  logout: {
    usage: 'memoram-mcp logout [OPTIONS]',
    text: 'Forgets the cached Memoram credentials.',
  },
  export: {
    usage: 'memoram-mcp export [--format json|markdown] [OPTIONS]',
    text: 'Writes every memory to stdout.\n\n  --format json|markdown    json (the default) can be imported again',
  },
  import: {
    usage: 'memoram-mcp import FILE [OPTIONS]',
    text:
      'Reads memories from FILE: a memoram-mcp export, or the JSONL file of the official server-memory.\n' +
      'Memories already present are skipped.',
  },
  emulator: {
    usage: 'memoram-mcp emulator [--port N] [--host H] [--db FILE] [--auto-approve] [OPTIONS]',
    text:
      'Serves a local Memoram emulator, for trying things offline; prints its API key, client id,\n' +
      'demo user and dashboard URL.\n\n' +
      '  --port N, --host H    where it listens (default 127.0.0.1:3940, beside serve --http)\n' +
      '  --db FILE             keep its state in FILE (default: in memory)\n' +
      '  --auto-approve        approve access requests without the dashboard',
  },
};

export function usageLine(command: string): string {
  return `Usage: ${HELP[command]?.usage ?? 'memoram-mcp COMMAND [OPTIONS]'}`;
}

export function commandHelp(command: string): string | undefined {
  const help = HELP[command];
  if (!help) return undefined;
  return `${usageLine(command)}\n\n${help.text}\n\nOPTIONS: the configuration options of memoram-mcp --help.\n`;
}
