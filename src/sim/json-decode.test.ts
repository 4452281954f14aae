import { describe, expect, it } from 'vitest';
import { bindRequest } from './go-types.js';
import { parseJsonBody } from './json-decode.js';
import { chatRequestType, embedRequestType } from './request-schemas.js';

describe('parseJsonBody (Go json.Decoder texts, §3.2)', () => {
  const errors: Array<[string, string]> = [
    ['{"model":', 'unexpected EOF'],
    ['{', 'unexpected EOF'],
    ['{"a":"b', 'unexpected EOF'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{invalid json', "invalid character 'i' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":nul', 'unexpected EOF'],
    ['{"a":-x}', "invalid character 'x' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a":1e}', "invalid character '}' in exponent of numeric literal"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
    ['{"a":"\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"],
    ['{"a":"line\nbreak"}', "invalid character '\\n' in string literal"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a":}', "invalid character '}' looking for beginning of value"],
  ];
  it.each(errors)('%j → %s', (body, message) => {
    expect(parseJsonBody(body)).toEqual({ ok: false, empty: false, error: message });
  });

  it('treats whitespace-only bodies as empty (io.EOF → missing request body)', () => {
    expect(parseJsonBody('  \n')).toEqual({ ok: false, empty: true });
  });

  it('reads only the first value, like json.Decoder', () => {
    expect(parseJsonBody('{"model":"m"} trailing garbage')).toEqual({ ok: true, value: { model: 'm' } });
  });
});

describe('bindRequest (encoding/json binding)', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'stream as string',
      { stream: 'yes' },
      'json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool',
    ],
    [
      'model as number',
      { model: 3 },
      'json: cannot unmarshal number into Go struct field ChatRequest.model of type string',
    ],
    [
      'messages as object',
      { messages: {} },
      'json: cannot unmarshal object into Go struct field ChatRequest.messages of type []api.Message',
    ],
    [
      'content as array of parts',
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      'json: cannot unmarshal array into Go struct field Message.messages.content of type string',
    ],
    [
      'top_logprobs fractional',
      { top_logprobs: 1.5 },
      'json: cannot unmarshal number 1.5 into Go struct field ChatRequest.top_logprobs of type int',
    ],
    ['top-level array', [1], 'json: cannot unmarshal array into Go value of type api.ChatRequest'],
    ['keep_alive bare numeric string', { keep_alive: '300' }, 'time: missing unit in duration "300"'],
    ['keep_alive bool', { keep_alive: true }, "Unsupported type: 'bool'"],
    [
      'think bad level',
      { think: 'extreme' },
      'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)',
    ],
    [
      'images with data URI',
      { messages: [{ role: 'user', content: '', images: ['data:image/png;base64,AAAA'] }] },
      'illegal base64 data at input byte 4',
    ],
  ];
  it.each(cases)('%s', (_name, value, message) => {
    expect(bindRequest(value, chatRequestType)).toEqual({ ok: false, error: message });
  });

  it('ignores unknown fields, matches keys case-insensitively, and treats null as unset', () => {
    const r = bindRequest({ Model: 'm', extra: 1, stream: null, options: { num_ctx: 8 } }, chatRequestType);
    expect(r).toEqual({ ok: true, value: { model: 'm', options: { num_ctx: 8 } } });
  });

  it('binds a null body to an empty request', () => {
    expect(bindRequest(null, embedRequestType)).toEqual({ ok: true, value: {} });
  });
});
