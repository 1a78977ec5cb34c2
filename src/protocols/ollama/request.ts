/**
 * @module `/api/chat` and `/api/generate` → the Gemini request to send (wire-formats §3.2, §3.3),
 * validated first so a malformed request is a 400 before any key is used. Both read the model,
 * `stream`, `keep_alive`, `options`, `format` and `think` the same way. A request with nothing to
 * generate (empty `messages`, or an empty `prompt` without images) has no Gemini body: Ollama
 * answers it at once as a model load (or unload, with keep_alive 0). Pure.
 */

import type { GenerateContentRequest, Part, Tool } from '../gemini/types.js';
import { base64Image } from '../shared/media.js';
import { resolveModelName, type ModelResolver } from '../shared/model-name.js';
import { badRequest, readArray, readBoolean, readString, type Json } from '../shared/read.js';
import { SchemaBudget } from '../shared/schema-budget.js';
import { functionTools } from '../shared/tools.js';
import { translateChatMessages } from './messages.js';
import { generationSettings, type GenerationSettings } from './options.js';
import type { OllamaRequest, Prompt, SignatureLookup } from './types.js';

/**
 * Request fields accepted and knowingly ignored (besides `options` in IGNORED_OPTIONS):
 * `keep_alive` is only read for its unload meaning; `truncate`, `shift` and the log-probability
 * fields have no Gemini counterpart; `raw`, `template` and `context` shape a local model's prompt.
 */
export const IGNORED_FIELDS = ['keep_alive', 'truncate', 'shift', 'logprobs', 'top_logprobs', 'raw', 'template', 'context'] as const;

/** A zero duration as Ollama parses `keep_alive`: seconds as a number or string, or a Go duration. */
const ZERO_DURATION = /^0+(?:\.0*)?(?:ns|us|µs|ms|s|m|h)?$/;

/** The fields both kinds of request read the same way. */
interface RequestBase extends GenerationSettings {
  readonly model: string;
  readonly requestedModel: string;
  readonly stream: boolean;
  /** `keep_alive` is 0: a request with nothing to generate unloads rather than loads. */
  readonly unload: boolean;
  /** One budget for every schema of the request (tools and `format`): their output together is bounded. */
  readonly schemaBudget: SchemaBudget;
}

/** Whether `keep_alive` (a number of seconds, or a duration such as "5m") is zero. */
export function isUnload(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'number' && Number.isFinite(value)) return value === 0;
  if (typeof value === 'string') return ZERO_DURATION.test(value.trim());
  throw badRequest('keep_alive', 'keep_alive must be a number of seconds or a duration such as "5m"');
}

/** Reads the shared fields; the model first, as every answer names it. */
function readRequestBase(body: Json, resolve: ModelResolver): RequestBase {
  const { model, requested } = resolveModelName(body['model'], resolve, { tagged: true });
  const schemaBudget = new SchemaBudget();
  return {
    model,
    requestedModel: requested,
    stream: readBoolean(body['stream'], 'stream') ?? true,
    unload: isUnload(body['keep_alive']),
    schemaBudget,
    ...generationSettings(body, model, schemaBudget),
  };
}

/** The translated request; without a prompt, one Ollama answers at once (load or unload). */
function toOllamaRequest(kind: OllamaRequest['kind'], base: RequestBase, prompt: Prompt | undefined, tools?: Tool[]): OllamaRequest {
  const shared = { kind, model: base.model, requestedModel: base.requestedModel, stream: base.stream, includeThinking: base.includeThinking };
  if (prompt === undefined) return { ...shared, body: undefined, doneReason: base.unload ? 'unload' : 'load' };
  const body: GenerateContentRequest = {
    ...prompt,
    ...(tools && { tools }),
    ...(Object.keys(base.config).length > 0 && { generationConfig: base.config }),
  };
  return { ...shared, body };
}

/**
 * `/api/chat` → the translated request; empty `messages` asks only to load (or unload) the model.
 * `signatureFor` is consulted for tool calls whose id carries no thought signature.
 */
export function translateOllamaChat(body: Json, resolve: ModelResolver, signatureFor?: SignatureLookup): OllamaRequest {
  const base = readRequestBase(body, resolve);
  const tools = functionTools(readArray(body['tools'], 'tools') ?? [], 'tools', base.schemaBudget);
  const messages = readArray(body['messages'], 'messages') ?? [];
  const remembered = signatureFor && { model: base.model, signatureFor };
  return toOllamaRequest('chat', base, messages.length === 0 ? undefined : translateChatMessages(messages, remembered), tools);
}

/** The user turn and system instruction; undefined when there is nothing to generate from. */
function generatePrompt(body: Json): Prompt | undefined {
  const text = readString(body['prompt'], 'prompt') ?? '';
  const system = readString(body['system'], 'system') ?? '';
  const images = readArray(body['images'], 'images') ?? [];
  // Images first: Gemini answers best with the image before the question.
  const parts: Part[] = images.map((image, index) => base64Image(image, `images[${index}]`));
  if (text !== '') parts.push({ text });
  if (parts.length === 0) return undefined;
  return { contents: [{ role: 'user', parts }], ...(system !== '' && { systemInstruction: { parts: [{ text: system }] } }) };
}

/** `/api/generate` → the translated request; an empty prompt asks only to load (or unload) the model. */
export function translateOllamaGenerate(body: Json, resolve: ModelResolver): OllamaRequest {
  const base = readRequestBase(body, resolve);
  if (readString(body['suffix'], 'suffix')) {
    throw badRequest('suffix', 'suffix is not supported: Gemini has no fill-in-the-middle completion');
  }
  return toOllamaRequest('generate', base, generatePrompt(body));
}
