import type { InferenceRequest } from './chat.js';

/**
 * A cheap prompt-size estimate for scheduling (cost in the fair queue, ETA): about four characters
 * a token, images at a fixed cost. Protocols have their own, more careful counts for what they
 * report to clients; this one only has to rank and predict.
 */
export function estimatePromptTokens(req: InferenceRequest): number {
  let chars = 0;
  let images = 0;
  if (req.kind === 'embed') {
    for (const input of req.input) chars += input.length;
  } else if (req.kind === 'generate') {
    chars += req.prompt.length + (req.system?.length ?? 0);
    images += req.images.length;
  } else {
    for (const block of req.system) chars += block.text.length;
    for (const message of req.messages) {
      for (const block of message.content) {
        if (block.type === 'text') chars += block.text.length;
        else if (block.type === 'thinking') chars += block.thinking.length;
        else if (block.type === 'image') images += 1;
        else if (block.type === 'tool_use') chars += JSON.stringify(block.input).length + block.name.length;
        else for (const part of block.content) chars += part.type === 'text' ? part.text.length : 0;
      }
    }
    for (const tool of req.tools)
      chars += JSON.stringify(tool.inputSchema).length + (tool.description?.length ?? 0);
  }
  return Math.ceil(chars / 4) + images * 768;
}
