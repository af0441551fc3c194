import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

function captureIo(signal?: AbortSignal): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: {},
    cwd: process.cwd(),
    isTTY: false,
    ...(signal ? { signal } : {}),
  };
}

describe('healthbench fake-server', () => {
  it('prints its URLs as one JSON line, serves the SDKs until aborted, then prints a short summary and exits 0', async () => {
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    const exit = main(['fake-server', '--seed', '4', '--met-rate', '1'], io);
    await expect.poll(() => io.out.length).toBe(1);
    const urls = JSON.parse(io.out[0] ?? '') as { url: string; openaiBaseUrl: string; anthropicBaseUrl: string };
    expect(urls.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.openaiBaseUrl).toBe(`${urls.url}/v1`);
    expect(urls.anthropicBaseUrl).toBe(urls.url);

    const client = new OpenAI({ apiKey: 'test', baseURL: urls.openaiBaseUrl, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'FAKE_REPLY: pong' }] });
    expect(r.choices[0]?.message.content).toBe('pong');

    controller.abort();
    expect(await exit).toBe(0);
    expect(io.err.join('')).toMatch(
      /^fake-server: served 1 requests in 0:\d\d \(200 ×1\); peak 1 in flight\nfake-server: by kind: candidate ×1\n$/,
    );
  });

  it('--stats-json prints the statistics as one JSON line instead', async () => {
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    const exit = main(['fake-server', '--stats-json'], io);
    await expect.poll(() => io.out.length).toBe(1);
    controller.abort();
    expect(await exit).toBe(0);
    expect(JSON.parse(io.err.join(''))).toMatchObject({ total: 0, peakInFlight: 0 });
  });

  it('labels itself a test double in --help', async () => {
    const io = captureIo();
    expect(await main(['fake-server', '--help'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/TEST DOUBLE/);
  });

  it('exits 2 on a bad flag value or an unknown flag', async () => {
    const bad = captureIo();
    expect(await main(['fake-server', '--error-rate', 'lots'], bad)).toBe(2);
    expect(bad.err.join('')).toBe("healthbench: --error-rate: expected a number ≥ 0 and ≤ 1, got 'lots'\n");
    const outOfRange = captureIo();
    expect(await main(['fake-server', '--hang-rate', '1.5'], outOfRange)).toBe(2);
    expect(outOfRange.err.join('')).toBe("healthbench: --hang-rate: expected a number ≥ 0 and ≤ 1, got '1.5'\n");
    const unknown = captureIo();
    expect(await main(['fake-server', '--colour'], unknown)).toBe(2);
  });
});
