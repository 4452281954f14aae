import { CorralError } from '../core/errors.js';
import { extractTextContent, extractToolCalls } from './extract.js';
import type {
  BridgeEvent,
  BridgeMessage,
  BridgeResponse,
  ExtractedToolCall,
  GenerateOptions,
  LLMBridge,
} from './types.js';

/**
 * What every bridge shares: `generateResponse` is `streamResponse` consumed, with the callbacks
 * fed from the same events, so the two ways of calling a bridge cannot disagree.
 */
export abstract class BaseBridge implements LLMBridge {
  abstract readonly provider: string;
  abstract readonly model: string;

  abstract streamResponse(messages: BridgeMessage[], options?: GenerateOptions): AsyncIterable<BridgeEvent>;

  async generateResponse(messages: BridgeMessage[], options: GenerateOptions = {}): Promise<BridgeResponse> {
    let response: BridgeResponse | undefined;
    for await (const event of this.streamResponse(messages, options)) {
      if (event.type === 'queue') options.onQueue?.(event.notice);
      else if (event.type === 'text') options.onText?.(event.text);
      else if (event.type === 'message') response = event.message;
    }
    if (response === undefined) throw new CorralError('upstream', 'the provider sent no message');
    return response;
  }

  extractTextContent(response: BridgeResponse): string {
    return extractTextContent(response);
  }

  extractToolCalls(response: BridgeResponse): ExtractedToolCall[] {
    return extractToolCalls(response);
  }
}
