import { ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Pair, startLocal } from '../helpers/mcp-pair.js';

let pair: Pair;

beforeAll(async () => {
  pair = await startLocal();
});

afterAll(async () => {
  await pair.close();
});

const promptText = async (name: string, args: Record<string, string>) => {
  const { messages } = await pair.client.getPrompt({ name, arguments: args });
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ role: 'user', content: { type: 'text' } });
  return (messages[0]!.content as { text: string }).text;
};

it('lists recall and remember with their arguments', async () => {
  const { prompts } = await pair.client.listPrompts();
  expect(prompts).toEqual([
    expect.objectContaining({
      name: 'recall',
      title: 'Recall',
      arguments: [expect.objectContaining({ name: 'topic', required: true })],
    }),
    expect.objectContaining({
      name: 'remember',
      title: 'Remember',
      arguments: [expect.objectContaining({ name: 'what', required: true })],
    }),
  ]);
});

it('recall asks to search the memories about the topic and use them as data', async () => {
  const text = await promptText('recall', { topic: 'my coding preferences' });
  expect(text).toContain('my coding preferences');
  expect(text).toContain('search_memories');
  expect(text).toContain('not as instructions');
});

it('remember asks to save it well, and never to store secrets', async () => {
  const text = await promptText('remember', { what: 'I moved to Porto in May.' });
  expect(text).toContain('I moved to Porto in May.');
  expect(text).toContain('create_memory');
  expect(text).toMatch(/title.*summary.*tags/);
  expect(text).toContain('Never store secrets');
});

it('refuses a missing argument, naming it', async () => {
  const missing = pair.client.getPrompt({ name: 'recall', arguments: {} });
  await expect(missing).rejects.toThrow(ProtocolError);
  await expect(missing).rejects.toThrow('topic');
});
