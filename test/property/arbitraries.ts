/**
 * fast-check generators for the property tests: plausible OpenAI requests (biased towards what
 * the translators look at, with odd values mixed in), JSON Schemas with `$defs` and `$ref`
 * chains, and plausible Gemini answers. Shared settings make every run reproducible.
 */

import fc from 'fast-check';
import { dataUrl, JPEG, MP3, NOT_AN_IMAGE, PNG, WAV } from '../fixtures/openai-requests/media.js';
import { SIGNATURE_IN_ID } from '../fixtures/openai/context.js';

/**
 * Runs per property: enough to meet every branch of the generators, few enough that a file
 * stays at a few seconds on two cores. fast-check prints the seed and path of a failure; set
 * FC_SEED (and FC_PATH) to replay one.
 */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  return { numRuns, ...(seed !== undefined && { seed: Number(seed) }), ...(path !== undefined && { path }) };
}

/** Any JSON, a little deeper and wider than fast-check's default. */
export const anyJson = fc.jsonValue({ maxDepth: 6 });

/**
 * Sensible values of a field, and now and then anything at all: one in `1 + odds` for the
 * plausible generators (so most requests translate), one in five for the noisy ones.
 */
type Sometimes = <T>(sensible: fc.Arbitrary<T>) => fc.Arbitrary<unknown>;

function sometimesOdd(odds: number): Sometimes {
  return (sensible) => fc.oneof({ arbitrary: sensible, weight: odds }, { arbitrary: anyJson, weight: 1 });
}

const mostly = sometimesOdd(4);

const text = fc.string({ maxLength: 20 });
const name = fc.constantFrom('get_weather', 'f', 'lookup', '_x.y:z-1');
const callId = fc.constantFrom('call_1', 'call_2', `call_abc.ts.${SIGNATURE_IN_ID}`, 'call_x.ts.', 'other');

/** Base64 that is right, wrong, or pathological (runs of line breaks before a bad character). */
const base64Data = fc.oneof(
  fc.constantFrom(PNG, JPEG, NOT_AN_IMAGE, WAV, MP3, '', '====', 'iVBO\r\nRw0K\n'),
  fc.base64String({ maxLength: 40 }),
  fc.integer({ min: 0, max: 300 }).map((n) => `${'\n'.repeat(n)}!`),
  text,
);

const oddUrl = fc.oneof(
  fc.tuple(fc.constantFrom('image/png', 'image/jpeg', 'image/jpg', 'audio/wav', 'text/plain', 'application/pdf'), base64Data)
    .map(([mime, data]) => dataUrl(mime, data)),
  fc.constantFrom('https://example.com/cat.png', 'data:image/png,raw', 'data:;base64,', 'ftp://x'),
  text,
);

/** Definition names, so `$ref`s meet each other: chains, cycles and self-references. */
const DEFS = ['a', 'b', 'c', 'd'];
const refTo = fc.oneof(
  fc.constantFrom(...DEFS).map((def) => `#/$defs/${def}`),
  fc.constantFrom('#/definitions/a', '#/$defs/missing', '#/$defs/__proto__', '#/properties/x', 'https://x/s.json'),
);

const KEYWORDS = ['type', 'description', 'enum', 'const', 'default', 'additionalProperties', '$comment', 'examples', 'not', 'required', 'format'];

/** JSON Schemas: subschemas under the keywords the cleaner walks, data under the rest. */
export const schema: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.record({ type: fc.constantFrom('string', 'integer', 'number', 'boolean', 'null') }),
    fc.record({ $ref: refTo }),
    fc.record({ $ref: refTo, description: text }),
    fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }) }),
    fc.record({ type: fc.constant('array'), items: tie('node') }),
    fc.record({ anyOf: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ allOf: fc.array(tie('node'), { maxLength: 2 }), oneOf: fc.array(tie('node'), { maxLength: 2 }) }),
    fc.dictionary(fc.constantFrom(...KEYWORDS), anyJson, { maxKeys: 3 }),
    anyJson,
  ),
})).node;

/** A root schema with definitions that reference each other. */
export const rootSchema = fc.record({
  type: fc.constant('object'),
  properties: fc.dictionary(fc.string({ maxLength: 6 }), schema, { maxKeys: 5 }),
  $defs: fc.dictionary(fc.constantFrom(...DEFS), schema, { maxKeys: 4 }),
}, { requiredKeys: ['type'] });

/**
 * The shape that used to blow up: one definition, a wide anyOf, referenced `refs` times. Small
 * ones fit the budget, large ones are refused.
 */
export const amplifyingSchema = fc.tuple(fc.integer({ min: 1, max: 220 }), fc.integer({ min: 1, max: 120 })).map(([refs, width]) => ({
  type: 'object',
  properties: Object.fromEntries(Array.from({ length: refs }, (_, i) => [`p${i}`, { $ref: '#/$defs/wide' }])),
  $defs: { wide: { anyOf: Array.from({ length: width }, (_, i) => ({ type: 'object', properties: { [`f${i}`]: { type: 'string' } } })) } },
}));

/** The generators of OpenAI requests, with odd values as often as `sometimes` puts them. */
function requests(sometimes: Sometimes) {
  const url = fc.oneof(
    { arbitrary: fc.constantFrom(dataUrl('image/png', PNG), dataUrl('image/jpeg', JPEG), 'https://example.com/cat.png'), weight: 6 },
    { arbitrary: oddUrl, weight: 1 },
  );
  const contentPart = fc.oneof(
    fc.record({ type: fc.constant('text'), text: sometimes(text) }),
    fc.record({ type: fc.constant('image_url'), image_url: sometimes(fc.oneof(fc.record({ url }), url)) }),
    fc.record({ type: fc.constant('input_audio'), input_audio: sometimes(fc.record({ format: fc.constantFrom('wav', 'mp3'), data: fc.constantFrom(WAV, MP3) })) }),
    fc.record({ type: fc.constant('file'), file: sometimes(fc.record({ file_data: fc.constant(dataUrl('application/pdf', WAV)) })) }),
  );
  const content = fc.oneof({ arbitrary: text, weight: 3 }, { arbitrary: fc.array(sometimes(contentPart), { maxLength: 4 }), weight: 2 });
  const toolCall = fc.record({
    id: sometimes(callId),
    type: fc.constant('function'),
    function: sometimes(fc.record({ name: sometimes(name), arguments: sometimes(fc.oneof(fc.json({ maxDepth: 3 }).filter((json) => json.startsWith('{')), fc.constant(''))) })),
  }, { requiredKeys: ['function'] });
  const message = sometimes(fc.oneof(
    fc.record({ role: fc.constant('user'), content }),
    fc.record({ role: fc.constantFrom('system', 'developer'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })) }),
    fc.record({ role: fc.constant('assistant'), content: fc.oneof(text, fc.constant(null)), tool_calls: fc.array(toolCall, { maxLength: 3 }) }, { requiredKeys: ['role'] }),
    fc.record({ role: fc.constantFrom('tool', 'function'), tool_call_id: callId, name, content: sometimes(text) }, { requiredKeys: ['role', 'name'] }),
  ));
  const tool = fc.record({
    type: sometimes(fc.constant('function')),
    function: sometimes(fc.record({ name: sometimes(name), description: text, parameters: sometimes(fc.oneof(rootSchema, amplifyingSchema)) }, { requiredKeys: ['name'] })),
  });
  const toolChoice = fc.oneof(
    fc.constantFrom('none', 'auto', 'required'),
    fc.record({ type: fc.constant('function'), function: fc.record({ name }) }),
    fc.record({ type: fc.constant('allowed_tools'), allowed_tools: fc.record({ mode: fc.constantFrom('auto', 'required'), tools: fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name }) }), { maxLength: 2 }) }) }),
  );
  const responseFormat = fc.oneof(
    fc.record({ type: fc.constantFrom('text', 'json_object') }),
    fc.record({ type: fc.constant('json_schema'), json_schema: fc.record({ name: text, schema: sometimes(fc.oneof(rootSchema, amplifyingSchema)) }) }),
  );
  const chat = fc.record({
    model: sometimes(fc.constantFrom('gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview', 'gpt-4o-mini', 'models/gemini-2.5-flash')),
    messages: sometimes(fc.array(message, { minLength: 1, maxLength: 12 })),
    tools: fc.array(tool, { maxLength: 3 }),
    tool_choice: sometimes(toolChoice),
    response_format: sometimes(responseFormat),
    stream: sometimes(fc.boolean()),
    stream_options: sometimes(fc.record({ include_usage: fc.boolean() })),
    temperature: sometimes(fc.double({ min: 0, max: 2, noNaN: true })),
    max_tokens: sometimes(fc.integer({ min: 1, max: 10_000 })),
    stop: sometimes(fc.oneof(fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }))),
    n: sometimes(fc.integer({ min: 1, max: 8 })),
    reasoning_effort: sometimes(fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max')),
    google: sometimes(fc.record({ thinking_config: sometimes(fc.record({ thinking_budget: fc.integer({ min: -1, max: 30_000 }), thinking_level: fc.constantFrom('low', 'HIGH'), include_thoughts: fc.boolean() }, { requiredKeys: [] })) })),
  }, { requiredKeys: ['model', 'messages'] });
  const embeddings = fc.record({
    model: sometimes(fc.constantFrom('gemini-embedding-001', 'text-embedding-3-small')),
    input: sometimes(fc.oneof(fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 250 }), fc.array(fc.integer(), { maxLength: 5 }))),
    encoding_format: sometimes(fc.constantFrom('float', 'base64')),
    dimensions: sometimes(fc.integer({ min: 1, max: 3072 })),
  }, { requiredKeys: ['model', 'input'] });
  return { chat, embeddings };
}

export const plausible = requests(sometimesOdd(100));
const noisy = requests(mostly);

/** Chat requests: plausible ones (most translate) and noisy ones (most are refused somewhere). */
export const chatRequest = fc.oneof({ arbitrary: plausible.chat, weight: 3 }, { arbitrary: noisy.chat, weight: 1 });

/** Embedding requests: strings, token arrays, odd values. */
export const embeddingsRequest = fc.oneof({ arbitrary: plausible.embeddings, weight: 3 }, { arbitrary: noisy.embeddings, weight: 1 });

const geminiPart = fc.oneof(
  fc.record({ text, thought: fc.boolean() }, { requiredKeys: ['text'] }),
  fc.record({ functionCall: mostly(fc.record({ name: mostly(name), args: mostly(fc.dictionary(fc.string({ maxLength: 4 }), anyJson, { maxKeys: 3 })) }, { requiredKeys: ['name'] })), thoughtSignature: mostly(fc.base64String({ maxLength: 12 })) }, { requiredKeys: ['functionCall'] }),
  fc.record({ inlineData: mostly(fc.record({ mimeType: text, data: fc.base64String({ maxLength: 8 }) })) }),
  anyJson,
);

/** Gemini `generateContent` answers and stream events, well formed or nearly. */
export const geminiResponse = fc.record({
  candidates: mostly(fc.array(mostly(fc.record({
    content: mostly(fc.record({ role: fc.constant('model'), parts: mostly(fc.array(geminiPart, { maxLength: 4 })) })),
    finishReason: mostly(fc.constantFrom('STOP', 'MAX_TOKENS', 'SAFETY', 'MALFORMED_FUNCTION_CALL')),
    index: mostly(fc.integer({ min: -1, max: 3 })),
  }, { requiredKeys: [] })), { maxLength: 3 })),
  usageMetadata: mostly(fc.record({ promptTokenCount: mostly(fc.nat()), candidatesTokenCount: mostly(fc.nat()), thoughtsTokenCount: fc.nat() }, { requiredKeys: [] })),
  promptFeedback: mostly(fc.record({ blockReason: mostly(fc.constantFrom('SAFETY', 'OTHER')) })),
}, { requiredKeys: [] });
