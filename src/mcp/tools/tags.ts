/** The tag tool: which labels the user's memories carry, to reuse them and to filter searches. */
import { z } from 'zod';
import { ScopeChoiceSchema } from '../../memory/scopes.js';
import { defineTool } from './define-tool.js';

export const listTags = defineTool({
  name: 'list_tags',
  title: 'List tags',
  description: 'The tags in use with their counts, most used first: reuse them when saving and searching.',
  input: z.object({ scope: ScopeChoiceSchema.optional().describe('As in search_memories.') }),
  output: z.object({
    tags: z.array(
      z.object({
        name: z.string(),
        count: z.number(),
        description: z.string().optional(),
        color: z.string().optional(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run: async (args, call) => {
    const { name } = await call.scope();
    return { tags: await call.service().listTags({ scope: args.scope, current: name }, call.signal) };
  },
});
