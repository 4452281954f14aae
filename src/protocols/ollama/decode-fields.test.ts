import { describe, expect, it } from 'vitest';
import { base64ErrorOffset, goDurationError, sniffMediaType } from './decode-fields.js';
import { rfc3339Nano } from './timestamps.js';

describe('goDurationError (Go time.ParseDuration, §2.8)', () => {
  it.each(['0', '10m', '1h30m', '250ms', '-1m', '+5s', '1.5h', '.5s', '3us', '2µs', '1h2m3s4ms5us6ns'])(
    'accepts %s',
    (text) => {
      expect(goDurationError(text)).toBeUndefined();
    },
  );

  it.each([
    ['300', 'time: missing unit in duration "300"'],
    ['', 'time: invalid duration ""'],
    ['abc', 'time: invalid duration "abc"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1h5', 'time: missing unit in duration "1h5"'],
    ['-', 'time: invalid duration "-"'],
    ['.s', 'time: invalid duration ".s"'],
  ])('refuses %j', (text, message) => {
    expect(goDurationError(text)).toBe(message);
  });
});

describe('base64ErrorOffset', () => {
  it.each([
    ['iVBORw0KGgo=', -1],
    ['aGk=\r\naGk=', 6],
    ['aGk', 3],
    ['data:image/png;base64,AAAA', 4],
    ['AA=A', 3],
    ['AB CD', 2],
  ])('%j → %i', (text, offset) => {
    expect(base64ErrorOffset(text)).toBe(offset);
  });
});

describe('sniffMediaType', () => {
  it.each([
    ['iVBORw0KGgoAAA', 'image/png'],
    ['/9j/4AAQ', 'image/jpeg'],
    ['R0lGODlh', 'image/gif'],
    ['UklGRiQ', 'image/webp'],
    ['AAAA', 'application/octet-stream'],
  ])('%s → %s', (data, type) => {
    expect(sniffMediaType(data)).toBe(type);
  });
});

describe('rfc3339Nano', () => {
  it.each([
    [Date.UTC(2025, 6, 7, 20, 22, 19, 184) + 0.789, '2025-07-07T20:22:19.184789Z'],
    [Date.UTC(2025, 6, 7, 20, 22, 19, 190), '2025-07-07T20:22:19.19Z'],
    [Date.UTC(2025, 6, 7, 20, 22, 19), '2025-07-07T20:22:19Z'],
  ])('%d → %s', (ms, text) => {
    expect(rfc3339Nano(ms)).toBe(text);
  });
});
