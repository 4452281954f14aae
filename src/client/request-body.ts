import type { BridgeMessage, BridgeTool, GenerateOptions } from './types.js';

/** Used when neither the call nor the bridge sets `maxTokens` (Anthropic requires a limit). */
export const DEFAULT_MAX_TOKENS = 4096;

/** The system prompt with the dynamic content after a blank line, as the seed builds it. */
export function systemText(options: GenerateOptions): string | undefined {
  const parts = [options.system, options.dynamicContent].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  return parts.length === 0 ? undefined : parts.join('\n\n');
}

/** Seed-style tools (`parameters`) and Anthropic tools (`input_schema`) as Anthropic tools. */
export function anthropicTools(tools: BridgeTool[]): Array<Record<string, unknown>> {
  return tools.map((tool) => {
    const out: Record<string, unknown> = {
      name: tool.name,
      input_schema: tool.input_schema ?? tool.parameters ?? { type: 'object', properties: {} },
    };
    if (tool.description !== undefined) out['description'] = tool.description;
    return out;
  });
}

/**
 * The body of `POST /v1/messages` for one call, always streamed. Every bridge builds this same
 * body, so the Ollama bridge can decode it with the gateway's own Anthropic decoder.
 */
export function messagesRequestBody(
  model: string,
  messages: BridgeMessage[],
  options: GenerateOptions,
  defaultMaxTokens: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    max_tokens: options.maxTokens ?? defaultMaxTokens,
    messages,
    stream: true,
  };
  const system = systemText(options);
  if (system !== undefined) body['system'] = system;
  if (options.temperature !== undefined) body['temperature'] = options.temperature;
  if (options.tools !== undefined && options.tools.length > 0) body['tools'] = anthropicTools(options.tools);
  return body;
}
