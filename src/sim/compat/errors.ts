import { randomBytes, randomInt } from 'node:crypto';

/**
 * The two compatibility error catalogues: status → error `type`, and the body shape each protocol
 * uses. Nothing else in compat chooses an error type.
 */

/** §5.1: only 400 and 404 get their own type; 503 (queue full) and 500 are both `api_error`. */
export function openAiErrorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 404) return 'not_found_error';
  return 'api_error';
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: null; code: null };
}

export function openAiErrorBody(status: number, message: string): OpenAiErrorBody {
  return { error: { message, type: openAiErrorType(status), param: null, code: null } };
}

/** §6.5 table (and conformance scenario 17). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export function anthropicErrorBody(status: number, message: string): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: anthropicErrorType(status), message },
    request_id: newAnthropicId('req'),
  };
}

/** `msg_` / `req_` + 24 hex characters (12 random bytes), §6.3 and §6.5. */
export function newAnthropicId(prefix: 'msg' | 'req'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/** §5.3: `chatcmpl-` + a random integer in [0, 998]; deliberately not unique, like Ollama's. */
export function newChatCompletionId(): string {
  return `chatcmpl-${randomInt(999)}`;
}
