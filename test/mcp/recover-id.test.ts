import { describe, expect, it } from 'vitest';
import { recoverId } from '../../src/mcp/recover-id.js';

describe('recoverId', () => {
  it('reads a top-level id wherever it sits in the head', () => {
    expect(recoverId('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"argu')).toBe(7);
    expect(recoverId('{ "method" : "x", "id" : "abc-1", "params": {')).toBe('abc-1');
    expect(recoverId('{"jsonrpc":"2.0","method":"x","params":{"a":1},"id":-3}')).toBe(-3);
  });

  it('ignores an id inside params, in a string, or not yet complete', () => {
    expect(recoverId('{"jsonrpc":"2.0","method":"x","params":{"id":5,"content":"xxxx')).toBeNull();
    expect(recoverId('{"method":"x","params":{"text":"\\"id\\":9"},"id":2}')).toBe(2);
    expect(recoverId('{"jsonrpc":"2.0","id":12')).toBeNull();
    expect(recoverId('{"jsonrpc":"2.0","id":"unterminated')).toBeNull();
  });

  it('answers null for ids JSON-RPC does not allow', () => {
    expect(recoverId('{"id":1.5,"method":"x"}')).toBeNull();
    expect(recoverId('{"id":null,"method":"x"}')).toBeNull();
    expect(recoverId('{"id":{"a":1},"method":"x"}')).toBeNull();
    expect(recoverId('[{"id":1}]')).toBeNull();
  });
});
