import { describe, expect, it } from 'vitest';
import { Router } from '../../src/emulator/router.js';

describe('Router', () => {
  const router = new Router<string>()
    .add('GET', '/memory-blobs', 'list')
    .add('GET', '/memory-blobs/{blobId}', 'get')
    .add('PATCH', '/memory-blobs/{blobId}', 'patch');

  it('matches templates, decodes parameters and names the route by its key', () => {
    expect(router.match('GET', '/memory-blobs/mem_%20x')).toEqual({
      kind: 'found',
      match: { key: 'GET /memory-blobs/{blobId}', handler: 'get', params: { blobId: 'mem_ x' } },
    });
    expect(router.match('GET', '/memory-blobs/')).toMatchObject({
      kind: 'found',
      match: { handler: 'list' },
    });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('DELETE', '/memory-blobs/x')).toEqual({
      kind: 'method_not_allowed',
      allow: ['GET', 'PATCH'],
    });
    expect(router.match('GET', '/memory-blobs/x/y')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/memory-blobs/%E0%A4%A')).toEqual({ kind: 'not_found' });
  });

  it('lists its route keys', () => {
    expect(router.keys()).toEqual([
      'GET /memory-blobs',
      'GET /memory-blobs/{blobId}',
      'PATCH /memory-blobs/{blobId}',
    ]);
  });
});
