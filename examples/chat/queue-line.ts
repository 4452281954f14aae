import type { QueueNotice } from '../../src/client/index.js';

/**
 * The "you are in a queue" status line: rewritten in place as notices arrive, with the ETA
 * counting down every 250 ms between them (the gateway pushes a new estimate when it changes).
 */
export class QueueLine {
  readonly #out: NodeJS.WriteStream;
  #timer: NodeJS.Timeout | undefined;
  #notice: QueueNotice | undefined;
  #deadlineMs: number | undefined;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  show(notice: QueueNotice): void {
    this.#notice = notice;
    this.#deadlineMs = notice.etaMs === undefined ? undefined : Date.now() + notice.etaMs;
    this.#render();
    this.#timer ??= setInterval(() => this.#render(), 250);
  }

  clear(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#notice !== undefined) this.#out.write('\r\x1b[2Kassistant> ');
    this.#notice = undefined;
  }

  #render(): void {
    const notice = this.#notice;
    if (notice === undefined) return;
    const others = notice.ahead === 1 ? '1 request' : `${notice.ahead} requests`;
    const leftS =
      this.#deadlineMs === undefined ? undefined : Math.ceil((this.#deadlineMs - Date.now()) / 1000);
    const eta =
      leftS === undefined ? 'estimating wait' : leftS > 0 ? `estimated wait ${leftS}s` : 'any moment now';
    this.#out.write(`\r\x1b[2K[queue] position ${notice.position} (${others} ahead), ${eta}`);
  }
}
