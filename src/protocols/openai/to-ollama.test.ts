/**
 * The §D bugs that show only in what reaches Ollama: OpenAI bodies decoded here, then encoded
 * by the finished Ollama codec (test-only import; the sources of this folder import core only).
 */
import { describe, expect, it } from 'vitest';
import { encodeChatRequest } from '../ollama/encode-request.js';
import { decodeChatCompletionsRequest } from './decode-request.js';

const toOllama = (body: Record<string, unknown>) =>
  encodeChatRequest(decodeChatCompletionsRequest({ model: 'qwen3:8b', ...body }).request);

const call = (id: string, city: string) => ({
  id,
  type: 'function',
  function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
});

describe('OpenAI body → Ollama /api/chat', () => {
  it('pydantic/pydantic-ai#5206: assistant content null beside tool_calls reaches Ollama as ""', () => {
    const out = toOllama({
      messages: [
        { role: 'user', content: 'Oslo?' },
        { role: 'assistant', content: null, tool_calls: [call('call_1', 'Oslo')] },
        { role: 'tool', tool_call_id: 'call_1', content: '12°C' },
      ],
    });
    expect(out.messages[1]).toStrictEqual({
      role: 'assistant',
      content: '',
      tool_calls: [
        { id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Oslo' } } },
      ],
    });
  });

  it('vercel/ai PR#12390 regression: a multi-turn tool loop keeps every turn, ids and names', () => {
    const out = toOllama({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Oslo and Rome?' },
        { role: 'assistant', content: null, tool_calls: [call('call_1', 'Oslo'), call('call_2', 'Rome')] },
        { role: 'tool', tool_call_id: 'call_1', content: '12°C' },
        { role: 'tool', tool_call_id: 'call_2', content: '25°C' },
        { role: 'assistant', content: null, tool_calls: [call('call_3', 'Paris')] },
        { role: 'tool', tool_call_id: 'call_3', content: '18°C' },
      ],
    });
    expect(out.messages.map((m) => [m.role, m.content, m.tool_call_id, m.tool_name])).toStrictEqual([
      ['system', 'Be brief.', undefined, undefined],
      ['user', 'Oslo and Rome?', undefined, undefined],
      ['assistant', '', undefined, undefined],
      ['tool', '12°C', 'call_1', 'get_weather'],
      ['tool', '25°C', 'call_2', 'get_weather'],
      ['assistant', '', undefined, undefined],
      ['tool', '18°C', 'call_3', 'get_weather'],
    ]);
  });

  it('BerriAI/litellm#18338: a data:image/png;base64 part reaches Ollama as plain base64', () => {
    const out = toOllama({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(out.messages[0]).toStrictEqual({ role: 'user', content: 'What?', images: ['iVBORw0KGgo='] });
  });

  it('sends temperature and top_p only when the client did (never Ollama /v1 defaults of 1.0)', () => {
    expect(toOllama({ messages: [{ role: 'user', content: 'x' }] }).options).toBeUndefined();
    expect(
      toOllama({ messages: [{ role: 'user', content: 'x' }], max_tokens: 20, frequency_penalty: 0.3 })
        .options,
    ).toStrictEqual({
      frequency_penalty: 0.3,
      num_predict: 20,
    });
  });
});
