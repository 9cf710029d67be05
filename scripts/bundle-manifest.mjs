// The Desktop bundle's manifest.json (MCPB manifest 0.3): what Claude Desktop shows and asks for,
// and how it starts the server. The tools and prompts are read from the built server itself over
// stdio with the real MCP client, so the manifest lists exactly what the server offers.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

/**
 * What a Desktop user can set, and the variable each becomes. An optional field the user leaves
 * empty reaches the server as its unreplaced placeholder, which the configuration reads as unset
 * (src/config.ts), so none of them needs a default to mean "the server's own default".
 */
export const USER_CONFIG = {
  backend: {
    env: 'MEMORAM_BACKEND',
    type: 'string',
    title: 'Where memories live',
    description:
      '"local" (an encrypted store on this computer) or "memoram" (your Memoram account). Leave empty for memoram when an API key is set, else local.',
  },
  api_key: {
    env: 'MEMORAM_API_KEY',
    type: 'string',
    sensitive: true,
    title: 'Memoram API key',
    description:
      'The developer API key (mem_…) of your Memoram application. Leave empty to use the local store.',
  },
  client_id: {
    env: 'MEMORAM_CLIENT_ID',
    type: 'string',
    sensitive: true,
    title: 'Memoram client id',
    description: 'The OAuth client id of your Memoram application, for connecting in the browser.',
  },
  read_only: {
    env: 'MEMORAM_READ_ONLY',
    type: 'boolean',
    default: false,
    title: 'Read-only',
    description: 'Offer only the tools that read memories: the assistant cannot save, change or delete any.',
  },
  embeddings: {
    env: 'MEMORAM_EMBEDDINGS',
    type: 'string',
    title: 'Search by meaning',
    description:
      '"on" (the default: its model, about 31 MB, is downloaded once from the Hugging Face hub at the first start) or "off" (search by words alone).',
  },
};

/** The manifest for the package described by `pkg`, listing what the server at `cli` offers. */
export async function buildManifest(pkg, cli) {
  const { tools, prompts } = await readSurface(cli);
  const userConfig = {};
  const env = {};
  for (const [key, { env: variable, ...option }] of Object.entries(USER_CONFIG)) {
    userConfig[key] = { ...option, required: false };
    env[variable] = `\${user_config.${key}}`;
  }
  return {
    manifest_version: '0.3',
    name: pkg.name,
    display_name: 'Memoram memory',
    version: pkg.version,
    description: 'Long-term, encrypted memory for Claude: on this computer, or in your Memoram account.',
    long_description:
      'Your assistant searches, reads, saves, updates and deletes memories. They live in one SQLite file on this computer, encrypted as a whole, or in your Memoram account, end-to-end encrypted. Works offline the moment it is installed; connect Memoram by asking the assistant to "connect my Memoram".',
    author: { name: 'memoram-mcp contributors' },
    repository: { type: 'git', url: pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '') },
    homepage: pkg.homepage,
    support: pkg.bugs.url,
    icon: 'icon.png',
    server: {
      type: 'node',
      entry_point: 'dist/cli.js',
      mcp_config: { command: 'node', args: [`\${__dirname}/dist/cli.js`, 'serve'], env },
    },
    tools,
    prompts,
    keywords: pkg.keywords,
    license: pkg.license,
    compatibility: { platforms: ['darwin', 'win32', 'linux'], runtimes: { node: '>=22.0.0' } },
    user_config: userConfig,
  };
}

/** Tools (name, first sentence) and prompts (name, text with `${arguments.x}`) of the server. */
async function readSurface(cli) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'memoram-manifest-'));
  const client = new Client({ name: 'memoram-bundle', version: '1' });
  try {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [cli, 'serve'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          MEMORAM_DATA_DIR: path.join(home, 'data'),
          MEMORAM_CONFIG_DIR: path.join(home, 'config'),
          MEMORAM_LOG_LEVEL: 'error',
        },
        stderr: 'inherit',
      }),
    );
    const { tools } = await client.listTools();
    const { prompts } = await client.listPrompts();
    const described = [];
    for (const prompt of prompts) {
      const names = (prompt.arguments ?? []).map((argument) => argument.name);
      const placeholders = Object.fromEntries(names.map((name) => [name, `\${arguments.${name}}`]));
      const { messages } = await client.getPrompt({ name: prompt.name, arguments: placeholders });
      const text = messages
        .map((message) => (message.content.type === 'text' ? message.content.text : ''))
        .join('\n');
      described.push({ name: prompt.name, description: prompt.description, arguments: names, text });
    }
    return {
      tools: tools.map((tool) => ({ name: tool.name, description: firstSentence(tool.description ?? '') })),
      prompts: described,
    };
  } finally {
    await client.close();
    await rm(home, { recursive: true, force: true });
  }
}

function firstSentence(text) {
  const match = /^.*?[.!?](?=\s|$)/s.exec(text.trim());
  return (match ? match[0] : text).replace(/\s+/g, ' ');
}
