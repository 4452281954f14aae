import { describe, expect, it } from 'vitest';
import { parseDefaultKeepAlive, parseGoDuration, parseKeepAlive } from './duration.js';

describe('keep_alive parsing (§2.8)', () => {
  const ok: Array<[unknown, number]> = [
    [300, 300_000],
    [42.5, 42_500],
    [0, 0],
    [-1, Infinity],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['-1m', Infinity],
    ['1.5s', 1500],
    ['.5s', 500],
  ];
  it.each(ok)('%j → %d ms', (value, ms) => {
    expect(parseKeepAlive(value)).toEqual({ ok: true, ms });
  });

  const bad: Array<[unknown, string]> = [
    ['300', 'time: missing unit in duration "300"'],
    ['abc', 'time: invalid duration "abc"'],
    ['5d', 'time: unknown unit "d" in duration "5d"'],
    [true, "Unsupported type: 'bool'"],
    [{}, "Unsupported type: 'map[string]interface {}'"],
  ];
  it.each(bad)('%j → %s', (value, error) => {
    expect(parseKeepAlive(value)).toEqual({ ok: false, error });
  });

  it('parses Go durations and the env-style default', () => {
    expect(parseGoDuration('2h')).toEqual({ ok: true, ms: 7_200_000 });
    expect(parseDefaultKeepAlive('5m')).toBe(300_000);
    expect(parseDefaultKeepAlive('30')).toBe(30_000);
    expect(parseDefaultKeepAlive(-1)).toBe(Infinity);
  });
});
