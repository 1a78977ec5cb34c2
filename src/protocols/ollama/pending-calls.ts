/**
 * @module Which tool call an Ollama tool message answers. Ollama's `tool_name` is optional and
 * clients often send neither it nor `tool_call_id`, relying on order; Gemini needs the function's
 * name. Pure; every lookup is constant time (amortized), so a long history stays linear.
 */

interface Call {
  readonly id: string;
  readonly name: string;
  answered: boolean;
}

/** A queue of calls with a cursor at the first one that may still be unanswered. */
interface Queue {
  readonly calls: Call[];
  next: number;
}

function firstUnanswered(queue: Queue | undefined): Call | undefined {
  if (queue === undefined) return undefined;
  while (queue.calls[queue.next]?.answered === true) queue.next += 1;
  return queue.calls[queue.next];
}

/** The tool calls of a conversation, and which of the latest assistant message's are answered. */
export class PendingCalls {
  /** Function names by call id, from every assistant message so far. */
  readonly #names = new Map<string, string>();
  /** The calls of the latest assistant message, in order. */
  #latest: Queue = { calls: [], next: 0 };
  /** The same calls by name, each in order. */
  #byName = new Map<string, Queue>();
  /** The same calls by id. */
  #byId = new Map<string, Call>();

  /** A new assistant message: its calls are now the ones answered in order. */
  startMessage(): void {
    this.#latest = { calls: [], next: 0 };
    this.#byName = new Map();
    this.#byId = new Map();
  }

  /** A call of the latest assistant message. */
  add(id: string, name: string): void {
    const call: Call = { id, name, answered: false };
    if (id !== '') {
      this.#names.set(id, name);
      this.#byId.set(id, call);
    }
    this.#latest.calls.push(call);
    const queue = this.#byName.get(name) ?? { calls: [], next: 0 };
    this.#byName.set(name, queue);
    queue.calls.push(call);
  }

  /**
   * The function a tool result answers: `toolName`, else the call `callId` names (of any earlier
   * message), else the next unanswered call of the latest assistant message. The call it
   * answers is marked, so the next result without a name takes the one after.
   */
  answer(toolName: string | undefined, callId: string | undefined): string | undefined {
    const byId = callId ? this.#byId.get(callId) : undefined;
    const name = toolName || (callId ? this.#names.get(callId) : undefined);
    let call: Call | undefined;
    if (byId !== undefined && !byId.answered && (name === undefined || byId.name === name)) call = byId;
    else if (toolName) call = firstUnanswered(this.#byName.get(toolName));
    // An id of an older message's call names the function but answers none of the latest's.
    else if (name === undefined) call = firstUnanswered(this.#latest);
    if (call !== undefined) call.answered = true;
    return name ?? call?.name;
  }
}
