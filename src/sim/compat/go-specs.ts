import type { GoSpec } from './go-types.js';

/**
 * The Go structs Ollama decodes `/v1` bodies into (openai/openai.go, anthropic/anthropic.go), as
 * far as type mismatches are concerned: a field of the wrong JSON kind is a 400 with Go's text (§1).
 */

// OpenAI chat completions (§5.2).
const TOOL_CALL: GoSpec = {
  struct: 'openai.ToolCall',
  fields: {
    id: 'string',
    index: 'int',
    type: 'string',
    function: { struct: 'openai.ToolCall', fields: { name: 'string', arguments: 'string' } },
  },
};

const MESSAGE: GoSpec = {
  struct: 'openai.Message',
  fields: {
    role: 'string',
    content: 'any',
    reasoning: 'string',
    tool_calls: { slice: TOOL_CALL, goType: '[]openai.ToolCall' },
    name: 'string',
    tool_call_id: 'string',
  },
};

const TOOL: GoSpec = {
  struct: 'api.Tool',
  fields: {
    type: 'string',
    function: { struct: 'api.ToolFunction', fields: { name: 'string', description: 'string' } },
  },
};

export const CHAT_REQUEST: GoSpec = {
  struct: 'openai.ChatCompletionRequest',
  fields: {
    model: 'string',
    messages: { slice: MESSAGE, goType: '[]openai.Message' },
    stream: 'bool',
    stream_options: { struct: 'openai.StreamOptions', fields: { include_usage: 'bool' } },
    max_tokens: 'int',
    seed: 'int',
    stop: 'any',
    temperature: 'float64',
    frequency_penalty: 'float64',
    presence_penalty: 'float64',
    top_p: 'float64',
    response_format: {
      struct: 'openai.ResponseFormat',
      fields: { type: 'string', json_schema: { struct: 'openai.JsonSchema', fields: { schema: 'any' } } },
    },
    tools: { slice: TOOL, goType: '[]api.Tool' },
    reasoning: { struct: 'openai.Reasoning', fields: { effort: 'string' } },
    reasoning_effort: 'string',
    logprobs: 'bool',
    top_logprobs: 'int',
  },
};

// Anthropic messages (§6.1).
export const MESSAGES_REQUEST: GoSpec = {
  struct: 'anthropic.MessagesRequest',
  fields: {
    model: 'string',
    max_tokens: 'int',
    messages: {
      slice: { struct: 'anthropic.MessageParam', fields: { role: 'string' } },
      goType: '[]anthropic.MessageParam',
    },
    system: 'any',
    stream: 'bool',
    temperature: 'float64',
    top_p: 'float64',
    top_k: 'int',
    stop_sequences: { slice: 'string', goType: '[]string' },
    tools: {
      slice: {
        struct: 'anthropic.Tool',
        fields: {
          type: 'string',
          name: 'string',
          description: 'string',
          input_schema: 'any',
          max_uses: 'int',
        },
      },
      goType: '[]anthropic.Tool',
    },
    tool_choice: { struct: 'anthropic.ToolChoice', fields: { type: 'string', name: 'string' } },
    thinking: { struct: 'anthropic.ThinkingConfig', fields: { type: 'string', budget_tokens: 'int' } },
    metadata: { struct: 'anthropic.Metadata', fields: { user_id: 'string' } },
    output_config: { struct: 'anthropic.OutputConfig', fields: { effort: 'string' } },
  },
};

export const CONTENT_BLOCKS: GoSpec = {
  slice: {
    struct: 'anthropic.ContentBlock',
    fields: {
      type: 'string',
      text: 'string',
      source: {
        struct: 'anthropic.ImageSource',
        fields: { type: 'string', media_type: 'string', data: 'string', url: 'string' },
      },
      id: 'string',
      name: 'string',
      input: { map: 'api.ToolCallFunctionArguments' },
      tool_use_id: 'string',
      content: 'any',
      is_error: 'bool',
      thinking: 'string',
      signature: 'string',
    },
  },
  goType: '[]anthropic.ContentBlock',
};
