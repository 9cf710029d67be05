/**
 * One stdio session with a real MCP client that uses everything a server offers: every tool it
 * lists is called (an unknown one fails the session, so a new tool gets a call here), every
 * resource read, every prompt fetched. Shared by the bundle and the npm tarball checks.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { expect } from 'vitest';

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface Surface {
  serverVersion: string | undefined;
  tools: string[];
  resources: string[];
  prompts: { name: string; text: string }[];
  stderr: string;
}

type Structured = Record<string, unknown>;

export async function connect(launch: Launch): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ ...launch, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'memoram-release-check', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** Uses every tool, resource and prompt of the server `launch` starts; what it found. */
export async function exerciseEverything(
  launch: Launch,
  promptArguments: Record<string, string>,
): Promise<Surface> {
  const { client, stderr } = await connect(launch);
  try {
    const call = async (name: string, args: Structured = {}) => {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError ?? false, `${name}: ${JSON.stringify(result.content)}`).toBe(false);
      return result.structuredContent as Structured;
    };
    const content = `The release check saves this memory about sourdough baking at ${Date.now()}.`;
    const calls: Record<string, () => Promise<void>> = {
      create_memory: async () => {
        const made = await call('create_memory', { content, title: 'Sourdough', tags: ['release-check'] });
        expect(typeof made.id).toBe('string');
        expect((await call('create_memory', { content })).deduplicated).toBe(true);
      },
      search_memories: async () => {
        const { memories } = (await call('search_memories', { query: 'sourdough baking' })) as {
          memories: { title: string }[];
        };
        expect(memories.map((hit) => hit.title)).toContain('Sourdough');
      },
      read_memories: async () => {
        const { memories, not_found } = (await call('read_memories', {
          ids: [await idOf(), 'mem_missing'],
        })) as {
          memories: { content: string }[];
          not_found: string[];
        };
        expect(memories.map((memory) => memory.content)).toEqual([content]);
        expect(not_found).toEqual(['mem_missing']);
      },
      update_memory: async () => {
        expect((await call('update_memory', { id: await idOf(), title: 'Sourdough starter' })).title).toBe(
          'Sourdough starter',
        );
      },
      list_tags: async () => {
        const { tags } = (await call('list_tags')) as { tags: { name: string; count: number }[] };
        expect(tags).toContainEqual(expect.objectContaining({ name: 'release-check', count: 1 }));
      },
      authorize: async () => {
        expect((await call('authorize')).state).toBe('local');
      },
      delete_memories: async () => {
        const id = await idOf();
        expect(await call('delete_memories', { ids: [id] })).toMatchObject({ deleted: [id] });
      },
    };
    const idOf = async () => {
      const { memories } = (await call('search_memories', { tags: ['release-check'] })) as {
        memories: { id: string }[];
      };
      expect(memories).toHaveLength(1);
      return memories[0]!.id;
    };

    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(
      names.filter((name) => !(name in calls)),
      'tools this check has no call for',
    ).toEqual([]);
    // In the order a user's day would use them: the delete last, after the resources were read.
    const order = Object.keys(calls).filter((name) => names.includes(name));
    for (const name of order.filter((name) => name !== 'delete_memories')) await calls[name]!();

    const { resources } = await client.listResources();
    const { resourceTemplates } = await client.listResourceTemplates();
    const uris = resources.map((resource) => resource.uri);
    for (const uri of uris) {
      const read = await client.readResource({ uri });
      expect(read.contents.length, uri).toBeGreaterThan(0);
    }
    expect(resourceTemplates.map((template) => template.uriTemplate)).toContain('memoram://memories/{id}');
    const memoryUri = `memoram://memories/${await idOf()}`;
    expect(uris).toContain(memoryUri);

    const { prompts } = await client.listPrompts();
    const fetched = [];
    for (const prompt of prompts) {
      const args = Object.fromEntries(
        (prompt.arguments ?? []).map((arg) => [arg.name, promptArguments[arg.name]!]),
      );
      const { messages } = await client.getPrompt({ name: prompt.name, arguments: args });
      const text = messages
        .map((message) => (message.content.type === 'text' ? message.content.text : ''))
        .join('\n');
      fetched.push({ name: prompt.name, text });
    }
    if (names.includes('delete_memories')) await calls.delete_memories!();
    return {
      serverVersion: client.getServerVersion()?.version,
      tools: names,
      resources: uris,
      prompts: fetched,
      stderr: stderr(),
    };
  } finally {
    await client.close();
  }
}
