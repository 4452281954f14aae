/**
 * OpenAI content (a string or an array of parts) → canonical blocks (client-apis.md B.2, C.6).
 * Images must be base64 `data:` URIs: canonical images carry base64 only, and Ollama cannot
 * fetch URLs, so an `http(s)` image is a clear 400 rather than a silent fetch from the gateway
 * (no SSRF surface, no size or content-type guessing). Audio and files are 400 too.
 */
import type { ImageBlock, TextBlock } from '../../core/chat.js';
import { at, invalid, isRecord, jsonType, optString } from './wire-read.js';

/**
 * Consecutive text parts are joined with a blank line: Ollama concatenates a message's text
 * blocks as they are, which would glue `"Look:"` and `"What is it?"` together.
 */
export const TEXT_PART_SEPARATOR = '\n\n';

const DATA_URI = /^data:([^;,]*)((?:;[^;,]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Which part types a role may carry besides `text`. */
export interface PartRules {
  images: boolean;
  /** Assistant `refusal` parts are kept as text. */
  refusals: boolean;
}

export function decodeContent(
  value: unknown,
  param: string,
  rules: PartRules,
): Array<TextBlock | ImageBlock> {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(`${param} must be a string or an array of parts`, param);
  const blocks: Array<TextBlock | ImageBlock> = [];
  value.forEach((part, index) => {
    const block = decodePart(part, `${param}[${index}]`, rules);
    if (block === undefined) return;
    const last = blocks[blocks.length - 1];
    if (block.type === 'text' && last?.type === 'text') last.text += TEXT_PART_SEPARATOR + block.text;
    else blocks.push(block);
  });
  return blocks;
}

function decodePart(part: unknown, param: string, rules: PartRules): TextBlock | ImageBlock | undefined {
  if (!isRecord(part)) throw invalid(`${param} must be an object, got ${jsonType(part)}`, param);
  const type = optString(part, 'type', at(param, 'type'));
  if (type === 'text' || (type === 'refusal' && rules.refusals)) {
    const key = type === 'text' ? 'text' : 'refusal';
    const text = optString(part, key, at(param, key)) ?? '';
    return text === '' ? undefined : { type: 'text', text };
  }
  if (type === 'image_url' && rules.images) return decodeImagePart(part, param);
  if (type === 'input_audio') throw invalid('audio input is not supported by this gateway', param);
  if (type === 'file') throw invalid('file inputs are not supported by this gateway; send text', param);
  throw invalid(
    `unsupported content part type ${JSON.stringify(type ?? null)} in ${param}`,
    at(param, 'type'),
  );
}

function decodeImagePart(part: Record<string, unknown>, param: string): ImageBlock {
  const urlParam = at(param, 'image_url.url');
  const image = part['image_url'];
  // Some clients send `image_url` as the bare string rather than `{url}`.
  const url =
    typeof image === 'string' ? image : isRecord(image) ? optString(image, 'url', urlParam) : undefined;
  if (url === undefined || url === '') throw invalid(`${urlParam} is required`, urlParam);
  return imageFromUrl(url, urlParam);
}

/** `data:<mime>;base64,<data>` → plain base64 (BerriAI/litellm#18338: Ollama refuses the prefix). */
export function imageFromUrl(url: string, param: string): ImageBlock {
  if (/^https?:\/\//i.test(url)) {
    throw invalid('image URLs are not supported; send the image as a base64 data: URI', param);
  }
  const match = DATA_URI.exec(url);
  if (match === null || !/;base64$/i.test(match[2] ?? '')) {
    throw invalid('image must be a data:<media type>;base64,<data> URI', param);
  }
  const data = url.slice(match[0].length).replace(/\s+/g, '');
  if (data === '' || !BASE64.test(data)) throw invalid('image data is not valid base64', param);
  const mediaType = (match[1] ?? '').toLowerCase();
  return { type: 'image', mediaType: mediaType === '' ? 'application/octet-stream' : mediaType, data };
}

/** The text of a system/developer/tool message: a string or text parts, joined. */
export function decodeTextOnly(value: unknown, param: string): TextBlock[] {
  return decodeContent(value, param, { images: false, refusals: false }).filter(
    (block): block is TextBlock => block.type === 'text',
  );
}
