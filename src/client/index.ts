/**
 * `corral/client`: the seed's LLM bridge for TypeScript applications. One interface
 * (`LLMBridge`), three providers (a Corral gateway, a local Ollama, Anthropic's cloud), chosen by
 * config with `createBridge`.
 */
export type * from './types.js';
export { BaseBridge } from './base-bridge.js';
export { CorralBridge } from './corral-bridge.js';
export type { CorralBridgeOptions } from './corral-bridge.js';
export { extractTextContent, extractToolCalls } from './extract.js';
export { DEFAULT_MAX_TOKENS } from './request-body.js';
export { CorralError, isCorralError } from '../core/errors.js';
export type { ErrorKind } from '../core/errors.js';
export { OllamaBridge } from './ollama-bridge.js';
export type { OllamaBridgeOptions } from './ollama-bridge.js';
export { RequestQueue } from './request-queue.js';
export type { AcquireOptions, Lease, LeaseOutcome, RequestQueueOptions } from './request-queue.js';
export { AnthropicBridge } from './anthropic-bridge.js';
export type { AnthropicBridgeOptions } from './anthropic-bridge.js';
export { createBridge, loadBridgeConfig, parseBridgeConfig } from './config.js';
export type { BridgeConfig, CreateBridgeOptions, LoadBridgeConfigOptions } from './config.js';
