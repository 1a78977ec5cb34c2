/**
 * @module Keep-alive frames on a started stream: after `--stream-keepalive` without a write, a
 * frame the client's parser skips (an SSE comment, Anthropic's `ping`, an empty Ollama line), so
 * neither the client nor an HTTP proxy in between times out a model that thinks for long.
 */

import type { ServerResponse } from 'node:http';

/**
 * Sends `frame()` after `ms` without a write. The timer is re-armed on each write (`refresh`
 * only moves its start), so a busy stream pays nothing but that. `ready` says whether a frame
 * may go now: a passed-through stream may be between two halves of an event.
 */
export class KeepAlive {
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(res: ServerResponse, frame: () => string, ms: number, ready: () => boolean = () => true) {
    if (ms <= 0) return;
    const timer = setTimeout(() => {
      // A client that does not read gains nothing from more bytes in its buffer.
      if (res.writable && !res.writableNeedDrain && ready()) res.write(frame());
      timer.refresh();
    }, ms);
    this.#timer = timer;
  }

  wrote(): void {
    this.#timer?.refresh();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
