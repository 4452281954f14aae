import type { RawObject } from './merge.js';

/**
 * `--ollama URL` (repeatable) and `CORRAL_OLLAMA=URL,URL`: the no-config-file way to name hosts.
 * Each URL becomes a backend with every other field at its default, named after its host:port so
 * two hosts never collide and the name in logs says which machine it is.
 */
export function backendsFromUrls(urls: readonly string[]): RawObject[] {
  return urls.map((raw) => {
    const url = withScheme(raw.trim());
    return { name: hostPortName(url), url };
  });
}

/** `CORRAL_OLLAMA` holds a list: commas and/or whitespace separate the URLs. */
export function splitUrlList(text: string): string[] {
  return text.split(/[\s,]+/).filter((part) => part !== '');
}

/**
 * Ollama users write hosts as OLLAMA_HOST does (`gpu1:11434`), so a URL without a scheme gets
 * `http://`. Anything with a scheme is kept, so `ftp://x` still fails validation visibly.
 */
function withScheme(text: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
}

function hostPortName(url: string): string {
  if (!URL.canParse(url)) return url; // validation reports the URL; the name doesn't matter then
  const parsed = new URL(url);
  const port = parsed.port !== '' ? parsed.port : parsed.protocol === 'https:' ? '443' : '80';
  return `${parsed.hostname}:${port}`;
}
