/**
 * @module The chat-session API: `/start_chat`, `/send_message`, `/end_chat`. The proxy keeps each
 * chat's history and sends it with every message; users come from the valid-users file, each
 * with a message rate; every interaction is logged.
 */

import { isProxyError, ProxyError } from '../../errors.js';
import { isGenerateContentResponse } from '../../protocols/gemini/answers.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../protocols/gemini/types.js';
import { applyModelOptions } from '../../protocols/shared/model-variants.js';
import { afterExchange, readAnswer, userTurn } from '../../protocols/session/history.js';
import { readEndChat, readSendMessage, readStartChat } from '../../protocols/session/requests.js';
import { fromGoogleErrorMessage } from '../../protocols/shared/error-body.js';
import type { ModelResolver } from '../../protocols/shared/model-name.js';
import type { Chat, SessionStore } from '../../state/sessions.js';
import type { Interaction } from '../../log/interactions.js';
import type { ChatSessions } from '../chat-sessions.js';
import type { RequestContext } from '../context.js';
import { callJson, readJson, sendUpstreamError, type PipelineDeps } from '../pipeline.js';
import { sendJson } from '../respond.js';
import { path, route, type Route } from '../router.js';

export interface SessionRouteDeps extends PipelineDeps {
  readonly store: SessionStore;
  readonly sessions: ChatSessions;
  readonly interactions: { record(interaction: Interaction): void };
  readonly resolveModel: ModelResolver;
  readonly defaultModel: string;
  readonly maxHistoryBytes: number;
  readonly now: () => number;
}

async function startChat(ctx: RequestContext, deps: SessionRouteDeps): Promise<void> {
  const start = readStartChat(await readJson(ctx, deps), deps.resolveModel, deps.defaultModel, deps.sessions.isUser);
  const opened = await deps.store.open(start, deps.now());
  if (!opened.ok) throw new ProxyError(opened.full === 'user' ? 'GP_TOO_MANY_CHATS' : 'GP_SESSIONS_FULL');
  ctx.model = start.model;
  ctx.requestedModel = start.requestedModel;
  sendJson(ctx.res, 200, { chat_id: opened.chat.id });
}

/** A chat that exists now, or a 404. */
async function liveChat(deps: SessionRouteDeps, chatId: string): Promise<Chat> {
  const chat = await deps.store.get(chatId, deps.now());
  if (chat === undefined) throw new ProxyError('GP_CHAT_NOT_FOUND');
  return chat;
}

async function sendMessage(ctx: RequestContext, deps: SessionRouteDeps): Promise<void> {
  const { chatId, message } = readSendMessage(await readJson(ctx, deps));
  const { settings } = await liveChat(deps, chatId);
  // A user taken off the users file loses the chats already open, not only new ones.
  if (!deps.sessions.isUser(settings.userId)) throw new ProxyError('GP_UNKNOWN_USER');
  // Checked before the message waits its turn: over the rate, nothing is queued or sent.
  const waitMs = await deps.sessions.takeMessage(settings.userId, deps.now());
  if (waitMs > 0) {
    const retryAfterSeconds = Math.ceil(waitMs / 1000);
    throw new ProxyError('GP_CLIENT_RATE_LIMITED', `user ${settings.userId} is over the message rate; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  if (deps.sessions.busy(chatId)) ctx.log.debug('message waits for the answer to an earlier one of its chat');
  await deps.sessions.inTurn(chatId, () => exchange(ctx, deps, chatId, message));
}

/** One question and its answer, with the chat's history as it is once the message's turn came. */
async function exchange(ctx: RequestContext, deps: SessionRouteDeps, chatId: string, message: string): Promise<void> {
  const chat = await liveChat(deps, chatId);
  const { userId, model, requestedModel, generationConfig } = chat.settings;
  const question = userTurn(message);
  const body: GenerateContentRequest = {
    contents: [...chat.history, question],
    ...(Object.keys(generationConfig).length > 0 && { generationConfig }),
  };
  const failed = (status: number): void => deps.interactions.record({ userId, message, outputLength: 0, status });
  let result;
  try {
    result = await callJson(ctx, deps, { ...applyModelOptions(model, body, deps.generation), requestedModel, verb: 'generateContent' }, isGenerateContentResponse);
  } catch (error) {
    failed(isProxyError(error) ? error.status : 500);
    throw error;
  }
  if (result.kind === 'answer') {
    failed(result.status);
    return sendUpstreamError(ctx, result, fromGoogleErrorMessage);
  }
  const answer = readAnswer(result.value as GenerateContentResponse);
  await deps.store.save(chatId, afterExchange(chat.history, question, answer.turn, deps.maxHistoryBytes), deps.now());
  deps.interactions.record({ userId, message, outputLength: answer.text.length });
  sendJson(ctx.res, 200, { response: answer.text });
}

async function endChat(ctx: RequestContext, deps: SessionRouteDeps): Promise<void> {
  const chatId = readEndChat(await readJson(ctx, deps));
  if (!(await deps.store.end(chatId, deps.now()))) throw new ProxyError('GP_CHAT_NOT_FOUND');
  sendJson(ctx.res, 200, { message: 'Chat ended' });
}

function session(name: string, pathname: string, handle: Route['handle']): Route {
  return route({ name, protocol: 'session', methods: ['POST'], matches: path(pathname) }, handle);
}

export function sessionRoutes(deps: SessionRouteDeps): Route[] {
  return [
    session('session-start', '/start_chat', (ctx) => startChat(ctx, deps)),
    session('session-send', '/send_message', (ctx) => sendMessage(ctx, deps)),
    session('session-end', '/end_chat', (ctx) => endChat(ctx, deps)),
  ];
}
