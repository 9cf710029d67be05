import { describe, expect, it } from 'vitest';
import { isDirectHost, isLoopback, isLoopbackHost } from '../../src/emulator/http.js';

describe('isLoopback', () => {
  it('knows the loopback forms Node reports', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(address)).toBe(true);
    for (const address of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1']) {
      expect(isLoopback(address)).toBe(false);
    }
  });
});

describe('isLoopbackHost', () => {
  it('accepts loopback names with or without a port, and nothing that merely starts like one', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:8787', 'localhost', 'LOCALHOST:1', '[::1]', '[::1]:8787'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of [
      undefined,
      '',
      'evil.example',
      '127.0.0.1.evil.example',
      'localhost.evil',
      '::1',
      '10.0.0.1',
    ])
      expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('isDirectHost', () => {
  it('accepts IP addresses and localhost, with or without a port, and no other name', () => {
    for (const host of [
      '127.0.0.1:3939',
      '192.168.1.20:3939',
      '10.0.0.5',
      'localhost',
      '[::1]:3939',
      '[fe80::1]',
    ])
      expect(isDirectHost(host)).toBe(true);
    for (const host of [
      undefined,
      '',
      'evil.example',
      'evil.example:3939',
      '127.0.0.1.evil.example',
      'localhost.evil',
      '192.168.1.20.nip.io',
      '::1',
    ])
      expect(isDirectHost(host)).toBe(false);
  });

  it('also accepts the name the emulator was told to listen on', () => {
    expect(isDirectHost('mybox.local:3939', 'mybox.local')).toBe(true);
    expect(isDirectHost('MyBox.Local', 'mybox.local')).toBe(true);
    expect(isDirectHost('mybox.local.evil.example:3939', 'mybox.local')).toBe(false);
    expect(isDirectHost('evil.example:3939', 'mybox.local')).toBe(false);
  });
});
