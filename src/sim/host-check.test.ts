import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLoopbackBind, makeHostCheck } from './host-check.js';

describe('Host-header check (§1)', () => {
  const allowed = makeHostCheck();
  it.each([
    [undefined, true],
    ['localhost:11434', true],
    ['127.0.0.1:11434', true],
    ['[::1]:11434', true],
    ['10.1.2.3', true],
    ['192.168.0.5:80', true],
    ['172.20.0.1', true],
    ['0.0.0.0', true],
    ['box.local', true],
    ['dev.localhost', true],
    ['svc.internal:8080', true],
    [hostname(), true],
    ['example.com', false],
    ['8.8.8.8:11434', false],
    ['172.32.0.1', false],
    ['corral.example.org:443', false],
  ])('%s → %s', (host, ok) => {
    expect(allowed(host)).toBe(ok);
  });

  it('applies only to loopback binds', () => {
    expect(isLoopbackBind('127.0.0.1')).toBe(true);
    expect(isLoopbackBind('0.0.0.0')).toBe(false);
  });
});
