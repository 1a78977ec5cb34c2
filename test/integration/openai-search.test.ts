/**
 * Google Search through the official `openai` SDK: `web_search_options` turns the search on, and
 * a grounded answer's citations come back as `url_citation` annotations at the right character
 * offsets, whole and streamed, in chat completions and the Responses API.
 */

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { FIRST_SPAN, groundedAnswer, groundedStream, GROUNDED_TEXT, SECOND_SPAN, SOURCES } from '../support/fake-grounding.js';
import { withProxy } from '../support/harness.js';

const h = withProxy({ keys: ['pool-a'] });
const client = (): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${h.proxy.url}/v1`, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Wo leben Füchse?' }];
const MODEL = 'gemini-2.5-flash';

/** The spans and URLs the fake's grounding cites, at JavaScript string offsets into `text`. */
function expectedCitations(text: string) {
  const span = (cited: string) => ({ start_index: text.indexOf(cited), end_index: text.indexOf(cited) + cited.length });
  const [first, second] = SOURCES;
  return [
    { url: first?.uri, title: first?.title, ...span(FIRST_SPAN) },
    { url: second?.uri, title: second?.title, ...span(FIRST_SPAN) },
    { url: second?.uri, title: second?.title, ...span(SECOND_SPAN) },
  ];
}

const CHAT_CITATIONS = expectedCitations(GROUNDED_TEXT).map((url_citation) => ({ type: 'url_citation', url_citation }));
const FLAT_CITATIONS = expectedCitations(GROUNDED_TEXT).map((citation) => ({ type: 'url_citation', ...citation }));

describe('web_search_options', () => {
  it('adds the googleSearch tool upstream; user_location and search_context_size are not sent', async () => {
    await client().chat.completions.create({
      model: MODEL, messages,
      web_search_options: { search_context_size: 'high', user_location: { type: 'approximate', approximate: { country: 'DE' } } },
    });
    const sent = h.upstream.sentJson(0);
    expect(sent['tools']).toEqual([{ googleSearch: {} }]);
    expect(JSON.stringify(sent)).not.toMatch(/approximate|search_context_size|DE"/);
  });

  it('an empty object is enough; without it there is no tool', async () => {
    await client().chat.completions.create({ model: MODEL, messages, web_search_options: {} });
    await client().chat.completions.create({ model: MODEL, messages });
    expect(h.upstream.sentJson(0)['tools']).toEqual([{ googleSearch: {} }]);
    expect(h.upstream.sentJson(1)).not.toHaveProperty('tools');
  });

  it('beside functions the search is dropped: Gemini refuses both together', async () => {
    await client().chat.completions.create({
      model: MODEL, messages, web_search_options: {},
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    });
    expect(h.upstream.sentJson(0)['tools']).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'get_weather' })] }]);
  });

  it('web_search_options that is not an object is a 400 naming it, without an upstream call', async () => {
    const error = await client().chat.completions.create({ model: MODEL, messages, web_search_options: 'on' as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('web_search_options');
    expect(h.upstream.requests).toHaveLength(0);
  });
});

describe('grounded chat completions', () => {
  it('annotations with character offsets into content (2-, 3- and 4-byte UTF-8 before them)', async () => {
    h.upstream.next(groundedAnswer());
    const completion = await client().chat.completions.create({ model: MODEL, messages, web_search_options: {} });
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe(GROUNDED_TEXT);
    expect(message?.annotations).toEqual(CHAT_CITATIONS);
    const cited = message?.annotations?.map(({ url_citation: c }) => message.content?.slice(c.start_index, c.end_index));
    expect(cited).toEqual([FIRST_SPAN, FIRST_SPAN, SECOND_SPAN]);
  });

  it('an answer without grounding has no annotations field', async () => {
    const completion = await client().chat.completions.create({ model: MODEL, messages });
    expect(completion.choices[0]?.message).not.toHaveProperty('annotations');
  });

  it('streamed: the chunk with the finish reason carries the annotations, offsets over the whole content', async () => {
    h.upstream.next(groundedStream());
    const stream = await client().chat.completions.create({ model: MODEL, messages, web_search_options: {}, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe(GROUNDED_TEXT);
    const last = chunks.at(-1)?.choices[0];
    expect(last?.finish_reason).toBe('stop');
    expect((last?.delta as { annotations?: unknown }).annotations).toEqual(CHAT_CITATIONS);
    // No other chunk has annotations.
    expect(chunks.slice(0, -1).some((chunk) => 'annotations' in (chunk.choices[0]?.delta ?? {}))).toBe(false);
  });

  it("the SDK's stream helper puts the annotations on the final message", async () => {
    h.upstream.next(groundedStream());
    const final = await client().chat.completions.stream({ model: MODEL, messages, web_search_options: {} }).finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(GROUNDED_TEXT);
    expect(final.choices[0]?.message.annotations).toEqual(CHAT_CITATIONS);
  });
});

describe('grounded Responses', () => {
  it('create: output_text annotations in the flat form', async () => {
    h.upstream.next(groundedAnswer());
    const response = await client().responses.create({ model: MODEL, input: 'Wo leben Füchse?', tools: [{ type: 'web_search' }] });
    expect(h.upstream.sentJson(0)['tools']).toEqual([{ googleSearch: {} }]);
    expect(response.output_text).toBe(GROUNDED_TEXT);
    const message = response.output.find((item) => item.type === 'message');
    expect(message?.type === 'message' && message.content[0]).toEqual({ type: 'output_text', text: GROUNDED_TEXT, annotations: FLAT_CITATIONS });
  });

  it('stream(): annotation events, and the annotations in the done part, item and final response', async () => {
    h.upstream.next(groundedStream());
    const stream = client().responses.stream({ model: MODEL, input: 'Wo leben Füchse?' });
    const added: unknown[] = [];
    const partsDone: unknown[] = [];
    const itemsDone: unknown[] = [];
    stream.on('response.output_text.annotation.added', (event) => added.push(event.annotation));
    stream.on('response.content_part.done', (event) => partsDone.push(event.part));
    stream.on('response.output_item.done', (event) => itemsDone.push(event.item));
    const final = await stream.finalResponse();
    expect(added).toEqual(FLAT_CITATIONS);
    expect(partsDone).toEqual([{ type: 'output_text', text: GROUNDED_TEXT, annotations: FLAT_CITATIONS }]);
    expect(itemsDone).toMatchObject([{ type: 'message', content: [{ annotations: FLAT_CITATIONS }] }]);
    expect(final.output_text).toBe(GROUNDED_TEXT);
    expect(final.output).toMatchObject([{ type: 'message', content: [{ text: GROUNDED_TEXT, annotations: FLAT_CITATIONS }] }]);
  });
});

describe('--search-sources', () => {
  it('on: the grounded answer\'s text ends with its sources; the annotations stay where they were', async () => {
    await h.restart({ settings: { searchSources: true } });
    h.upstream.next(groundedAnswer());
    const message = (await client().chat.completions.create({ model: MODEL, messages })).choices[0]?.message;
    expect(message?.content?.startsWith(GROUNDED_TEXT)).toBe(true);
    expect(message?.content).toContain(`\n\nSources:\n1. [${SOURCES[0]?.title}](${SOURCES[0]?.uri})`);
    expect((message as unknown as { annotations: unknown[] }).annotations).toEqual(CHAT_CITATIONS);
  });
});
