import type { BridgeResponse, ExtractedToolCall } from './types.js';

/** The text blocks of a response joined together (thinking and tool calls are left out). */
export function extractTextContent(response: BridgeResponse): string {
  let text = '';
  for (const block of response.content) if (block.type === 'text') text += block.text;
  return text;
}

/** The response's tool calls, in order, as `{ id, toolName, input }`. */
export function extractToolCalls(response: BridgeResponse): ExtractedToolCall[] {
  const calls: ExtractedToolCall[] = [];
  for (const block of response.content)
    if (block.type === 'tool_use') calls.push({ id: block.id, toolName: block.name, input: block.input });
  return calls;
}
