/**
 * The session API as the process runs it: the interaction log file (one line per message,
 * reopened on SIGHUP after logrotate moved it, appended to across restarts) and the valid-users
 * file (reloaded when it changes).
 */

import { existsSync, readFileSync, renameSync, watch } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliFixture } from './fixture.js';
import { send, startCli, type CliProcess, type Reply } from './support.js';

const KEY = 'AIzaInteractionKey01';
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface FileLine {
  timestamp: string;
  user_id: string;
  message: string;
  output_length: number;
}

function linesOf(file: string): FileLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as FileLine);
}

/** Resolves once the file holds `count` lines, looking again at every change in the folder. */
function waitForLines(folder: string, file: string, count: number): Promise<FileLine[]> {
  return new Promise((resolve) => {
    const check = (): void => {
      const lines = linesOf(file);
      if (lines.length < count) return;
      watcher.close();
      resolve(lines);
    };
    const watcher = watch(folder, check);
    check();
  });
}

function post(base: string, path: string, body: unknown): Promise<Reply> {
  return send(base, { method: 'POST', path, body: JSON.stringify(body) });
}

describe('gemini-proxy: chat sessions, the interaction log and the users file', () => {
  const fixture = cliFixture([KEY]);
  let cli: CliProcess;
  let base: string;

  async function start(...args: string[]): Promise<void> {
    cli = startCli(['-port=0', '-protocol=session', '--watch-interval', '0', ...args], { cwd: fixture.ws.dir });
    base = await cli.ready();
  }

  async function startChat(userId: string): Promise<string> {
    const reply = await post(base, '/start_chat', { user_id: userId });
    expect(reply.status, reply.body).toBe(200);
    const { chat_id: chatId } = JSON.parse(reply.body) as { chat_id: unknown };
    if (typeof chatId !== 'string') throw new Error(`no chat_id in ${reply.body}`);
    return chatId;
  }

  /** Sends a message; resolves with the answer once the daemon has logged the interaction. */
  async function sendMessage(chatId: string, message: string): Promise<string> {
    const reply = await post(base, '/send_message', { chat_id: chatId, message });
    expect(reply.status, reply.body).toBe(200);
    await cli.waitFor((line) => line.event === 'interaction' && line['message'] === message, `the interaction "${message}"`);
    return (JSON.parse(reply.body) as { response: string }).response;
  }

  it('one line per message in the file, and a new file after logrotate renames it and sends SIGHUP', async () => {
    fixture.ws.write('valid_users.txt', 'alice\n');
    await start('--interaction-log', 'log.jsonl');
    expect(await cli.listening()).toMatchObject({ users: 1 });
    const file = fixture.ws.path('log.jsonl');
    const rotated = fixture.ws.path('log.jsonl.1');
    const chatId = await startChat('alice');

    const answer = await sendMessage(chatId, 'hi');
    const [first] = await waitForLines(fixture.ws.dir, file, 1);
    expect(first).toEqual({ timestamp: expect.stringMatching(ISO_8601) as unknown, user_id: 'alice', message: 'hi', output_length: answer.length });
    expect(cli.events('interaction')[0]).toMatchObject({ ...first, level: 'info' });

    renameSync(file, rotated);
    cli.signal('SIGHUP');
    expect(await cli.waitForEvent('reloaded', { trigger: 'SIGHUP' })).toMatchObject({ users: 1 });
    const second = await sendMessage(chatId, 'What about New Jersey?');
    const lines = await waitForLines(fixture.ws.dir, file, 1);

    expect(lines).toEqual([{
      timestamp: expect.stringMatching(ISO_8601) as unknown, user_id: 'alice', message: 'What about New Jersey?', output_length: second.length,
    }]);
    expect(linesOf(rotated)).toEqual([first]);
  });

  it('a restarted daemon appends to the file, never truncating it; a shutdown flushes it', async () => {
    fixture.ws.write('valid_users.txt', 'alice\n');
    fixture.ws.write('log.jsonl', '{"earlier":true}\n');
    await start('--interaction-log', 'log.jsonl');
    await sendMessage(await startChat('alice'), 'hi');
    cli.signal('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    const lines = linesOf(fixture.ws.path('log.jsonl'));
    expect(lines).toEqual([{ earlier: true }, expect.objectContaining({ user_id: 'alice', message: 'hi' })]);
  });

  it('a user added to the users file while running can start a chat after the file-change reload', async () => {
    fixture.ws.write('valid_users.txt', 'alice\n');
    await start('--watch-interval', '50ms');
    expect((await post(base, '/start_chat', { user_id: 'bob' })).status).toBe(403);
    fixture.ws.replace('valid_users.txt', 'alice\nbob\n');
    expect(await cli.waitForEvent('reloaded', { trigger: 'file-change' })).toMatchObject({ users: 2 });
    await startChat('bob');
  });

  it('without a users file the daemon starts, refuses every user, and takes the file once it appears', async () => {
    await start('--watch-interval', '50ms');
    expect(await cli.listening()).toMatchObject({ users: 0 });
    expect((await post(base, '/start_chat', { user_id: 'alice' })).status).toBe(403);
    fixture.ws.replace('valid_users.txt', 'alice\n');
    expect(await cli.waitForEvent('reloaded', { trigger: 'file-change' })).toMatchObject({ users: 1 });
    await startChat('alice');
  });
});
