import { describe, expect, it } from 'vitest';
import { decodeStdBase64 } from './base64.js';
import { decodeGoJson, goMarshal, toGoFloat32 } from './go-json.js';

// §1: bodies are read by one json.Decoder.Decode, so error texts are Go's.

describe('decodeGoJson', () => {
  it.each([
    ['', 'EOF'],
    ['   \n', 'EOF'],
    ['{', 'unexpected EOF'],
    ['{"model":"m"', 'unexpected EOF'],
    ['{invalid json', "invalid character 'i' looking for beginning of object key string"],
    ['xyz', "invalid character 'x' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":-x}', "invalid character 'x' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
    ['{"a":"\n"}', "invalid character '\\n' in string literal"],
  ])('%j → %s', (body, message) => {
    expect(decodeGoJson(Buffer.from(body))).toEqual({ ok: false, message });
  });

  it('reads only the first value, like a Decoder', () => {
    expect(decodeGoJson(Buffer.from('{"a":1} trailing garbage'))).toEqual({ ok: true, value: { a: 1 } });
    expect(decodeGoJson(Buffer.from('null'))).toEqual({ ok: true, value: null });
  });
});

describe('goMarshal and toGoFloat32', () => {
  it('escapes HTML characters and line separators as Go does', () => {
    expect(goMarshal({ s: '<a href="x">&\u2028' })).toBe(
      '{"s":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028"}',
    );
  });
  it.each([
    [0.1, 0.1],
    [0.123456789123, 0.12345679],
    [1, 1],
    [0, 0],
  ])('float32 %d prints as %d', (input, printed) => {
    expect(toGoFloat32(input)).toBe(printed);
  });
});

describe('decodeStdBase64', () => {
  it.each([
    ['aGk=', true],
    ['aGVsbG8=', true],
    ['aGVs\nbG8=', true],
    ['aGk', false],
    ['a!==', false],
    ['aGk=aGk=', false],
  ])('%j valid=%s', (s, valid) => {
    expect(decodeStdBase64(s).ok).toBe(valid);
  });
  it('names the offending byte', () => {
    expect(decodeStdBase64('abc!')).toEqual({ ok: false, message: 'illegal base64 data at input byte 3' });
    expect(decodeStdBase64('abcde')).toEqual({ ok: false, message: 'illegal base64 data at input byte 4' });
  });
});
