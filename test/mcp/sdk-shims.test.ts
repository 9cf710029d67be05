// The SDK's shims as the bundle has them (src/mcp/sdk-shims.ts): the stand-in for ajv still
// validates a JSON Schema, should the SDK ever be handed one.
import { expect, it } from 'vitest';
import { DefaultJsonSchemaValidator, process } from '../../src/mcp/sdk-shims.js';

it('validates JSON Schemas with the stand-in validator, and gives Node its own process', () => {
  const validate = new DefaultJsonSchemaValidator().getValidator({
    type: 'object',
    properties: { name: { type: 'string', maxLength: 5 } },
    required: ['name'],
  });
  expect(validate({ name: 'Ada' })).toMatchObject({ valid: true, data: { name: 'Ada' } });
  expect(validate({ name: 'Adalbert' }).valid).toBe(false);
  expect(validate({}).valid).toBe(false);
  expect(process).toBe(globalThis.process);
});
