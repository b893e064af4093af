// tests/clients/clients.test.mjs: the real `ollama` and `openai` npm packages drive `snug serve` unchanged — chat,
// generate, streaming, embed, list, show and ps — and a load test: 16 concurrent streaming clients x 20 requests on
// one model, each output equal to the same request run alone (same seed => same text). Run by ctest with
// SNUG_BINARY and SNUG_TEST_DATA set; `node --test tests/clients` by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const BINARY = process.env.SNUG_BINARY;
const DATA = process.env.SNUG_TEST_DATA ?? process.env.SNUG_DEFAULT_TEST_DATA ?? '../shared';
const MODEL = 'snug-qwen2-q4_k_m';
let server, host, store;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

before(async () => {
  assert.ok(BINARY && existsSync(BINARY), `SNUG_BINARY must name the snug binary, got ${BINARY}`);
  assert.ok(existsSync(join(DATA, 'models', `${MODEL}.gguf`)), `test model missing under ${DATA}/models`);
  const port = await freePort();
  host = `http://127.0.0.1:${port}`;
  store = mkdtempSync(join(tmpdir(), 'snug-clients-'));
  server = spawn(BINARY, ['serve'], {
    env: { ...process.env, SNUG_HOST: `127.0.0.1:${port}`, SNUG_MODELS: store, SNUG_MODEL_DIR: join(DATA, 'models'),
           SNUG_NUM_PARALLEL: '4' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(host)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('snug serve did not start');
});

after(() => {
  server?.kill('SIGTERM');
  if (store) rmSync(store, { recursive: true, force: true });
});

const greedy = { temperature: 0, num_predict: 12 };

test('ollama: list, show, generate, chat, stream, embed, ps', async () => {
  const ollama = new Ollama({ host });
  const list = await ollama.list();
  assert.ok(list.models.some((m) => m.name === `${MODEL}:latest`));
  const show = await ollama.show({ model: MODEL });
  assert.equal(show.details.family, 'qwen2');
  assert.ok(show.capabilities.includes('completion'));

  const gen = await ollama.generate({ model: MODEL, prompt: 'Once upon a time', raw: true, options: greedy });
  assert.equal(gen.done, true);
  assert.equal(gen.eval_count, 12);
  assert.ok(gen.response.length > 0);
  let streamed = '';
  for await (const part of await ollama.generate({ model: MODEL, prompt: 'Once upon a time', raw: true, options: greedy, stream: true })) {
    streamed += part.response;
    if (part.done) assert.equal(part.done_reason, 'length');
  }
  assert.equal(streamed, gen.response);

  const chat = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hello!' }], options: greedy });
  assert.equal(chat.message.role, 'assistant');
  let chatStreamed = '';
  for await (const part of await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hello!' }], options: greedy, stream: true })) {
    chatStreamed += part.message.content;
  }
  assert.equal(chatStreamed, chat.message.content);

  const emb = await ollama.embed({ model: MODEL, input: ['a cat', 'a dog'] });
  assert.equal(emb.embeddings.length, 2);
  const ps = await ollama.ps();
  assert.ok(ps.models.some((m) => m.name.startsWith(MODEL)));
  await assert.rejects(ollama.chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), /not found/);
});

test('openai: models, chat (plain and streamed with usage), completions, embeddings', async () => {
  const openai = new OpenAI({ baseURL: `${host}/v1`, apiKey: 'unused' });
  const models = await openai.models.list();
  assert.ok(models.data.some((m) => m.id === `${MODEL}:latest`));
  const messages = [{ role: 'user', content: 'Hello!' }];
  const c = await openai.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 12 });
  assert.equal(c.choices[0].message.role, 'assistant');
  assert.equal(c.usage.completion_tokens, c.choices[0].finish_reason === 'length' ? 12 : c.usage.completion_tokens);
  let text = '', usage = null;
  const stream = await openai.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 12, stream: true,
                                                        stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    if (chunk.choices.length) text += chunk.choices[0].delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, c.choices[0].message.content);
  assert.equal(usage.completion_tokens, c.usage.completion_tokens);
  const comp = await openai.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
  assert.equal(comp.usage.completion_tokens, 8);
  const emb = await openai.embeddings.create({ model: MODEL, input: 'a cat' });
  assert.ok(emb.data[0].embedding.length > 0);
  await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages }), (e) => e.status === 404);
});

test('load: 16 concurrent streaming clients x 20 requests, outputs unmixed and equal to each run alone', async () => {
  const ollama = new Ollama({ host });
  const prompts = ['Once upon a time', 'The little dog', 'Lily wanted to', 'One day, a bird', 'Max found a box'];
  const request = (i) => ({ model: MODEL, prompt: prompts[i % prompts.length], raw: true,
                            options: { seed: 1000 + (i % 10), temperature: 0.8, num_predict: 16 } });
  // Alone: one at a time, each distinct request once.
  const alone = new Map();
  for (let i = 0; i < 10; i++) alone.set(i, (await ollama.generate(request(i))).response);
  let done = 0;
  const client = async (c) => {
    const o = new Ollama({ host });
    for (let r = 0; r < 20; r++) {
      const i = (c * 20 + r) % 10;
      let text = '';
      for await (const part of await o.generate({ ...request(i), stream: true })) text += part.response;
      assert.equal(text, alone.get(i), `client ${c} request ${r}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
  assert.equal(done, 320);
});
