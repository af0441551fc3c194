import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Message } from '../core/types.js';

type Detector = { detect: (text: string) => { language: string } };

/** The user turns of a conversation, as the detector reads them (the first 4,000 characters). */
export function userText(messages: readonly Message[]): string {
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n')
    .slice(0, 4000);
}

// eld's medium n-gram database: on our checks it agrees with the large one on 98 of the 100 real
// HealthBench records and all the demo set, at a third of the memory (about 60 MB of heap, 0.35 s to load).
const ELD_ENTRY = 'eld/medium';

// The detector runs in a short-lived child process: its n-gram tables never enter the evaluation's heap,
// and (unlike a worker thread, whose malloc arena outlives it) all of its memory goes back to the system.
// It reads one JSON string per line and answers each with one JSON string per line, in order, as soon as it is
// detected: a sample waits for its own language only, never for the rest of the data.
const CHILD_SOURCE = `
import { createInterface } from 'node:readline';
const { eld } = await import(process.argv[1]);
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const text = JSON.parse(line);
  process.stdout.write(JSON.stringify(eld.detect(text).language || 'und') + '\\n');
}
`;

/** The module URL of the detector, when this runtime can resolve it (Node ≥ 20.6 outside test transforms). */
function detectorUrl(): string | null {
  try {
    return import.meta.resolve(ELD_ENTRY);
  } catch {
    return null;
  }
}

/** One answer line of the child: a JSON string, else null. */
function parseAnswer(line: string): string | null {
  try {
    const lang = JSON.parse(line) as unknown;
    return typeof lang === 'string' ? lang : null;
  } catch {
    return null;
  }
}

interface Waiter {
  resolve: (language: string) => void;
  reject: (err: Error) => void;
}

let inThread: Promise<Detector> | null = null;

/** The detector loaded into this process: the fallback where its module cannot be resolved for a child. */
async function detectInThread(text: string): Promise<string> {
  inThread ??= import('eld/medium').then((m) => m.eld as Detector);
  return (await inThread).detect(text).language || 'und';
}

/**
 * Languages (ISO 639-1 codes from eld, `und` when it cannot tell) of texts given one by one, detected in order by one
 * short-lived child process. The child starts with the first answer awaited, not before (a text given earlier waits
 * in memory), and each answer is handed over as soon as the child writes it. The child does not keep the process
 * alive while no answer is awaited, and {@link end} lets it exit once it has answered what it was given. Where the
 * detector's module cannot be resolved for a child, detection runs in this process.
 */
export class LanguageStream {
  readonly #url = detectorUrl();
  /** Texts given before the child started, sent when it starts. */
  #queued: string[] = [];
  readonly #waiting = new Map<number, Waiter>();
  /** Answers that came before anyone awaited them, by text index. */
  readonly #early = new Map<number, string>();
  #given = 0;
  #answered = 0;
  #child: ChildProcessWithoutNullStreams | null = null;
  #ended = false;
  #failure: Error | null = null;

  /** The language of `text`. The promise is lazy: detection starts when it is first awaited. */
  language(text: string): PromiseLike<string> {
    if (text.trim() === '') return Promise.resolve('und');
    if (!this.#url) return { then: (onDone, onFail) => detectInThread(text).then(onDone, onFail) };
    const index = this.#given++;
    if (this.#child) this.#child.stdin.write(`${JSON.stringify(text)}\n`);
    else this.#queued.push(text);
    // One answer however often it is awaited (the repeats of an example share it).
    let answer: Promise<string> | null = null;
    const awaitAnswer = (): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const early = this.#early.get(index);
        if (early !== undefined) {
          this.#early.delete(index);
          return resolve(early);
        }
        if (this.#failure) return reject(this.#failure);
        this.#waiting.set(index, { resolve, reject });
        this.#start();
        this.#holdWhileAwaited();
      });
    return { then: (onDone, onFail) => (answer ??= awaitAnswer()).then(onDone, onFail) };
  }

  /** No more texts: the child exits once it has answered those it was given. */
  end(): void {
    this.#ended = true;
    this.#child?.stdin.end();
  }

  #start(): void {
    if (this.#child || !this.#url) return;
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SOURCE, this.#url], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    let pending = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        this.#answer(pending.slice(0, end));
        pending = pending.slice(end + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', (e) => this.#fail(new Error(`language detector could not start: ${e.message}`)));
    child.once('close', (code) => {
      if (code !== 0) this.#fail(new Error(`language detector exited with ${code}: ${err.trim().slice(0, 500)}`));
      else if (this.#answered < this.#given) this.#fail(new Error('language detector stopped before answering every text'));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(this.#queued.map((t) => `${JSON.stringify(t)}\n`).join(''));
    this.#queued = [];
    if (this.#ended) child.stdin.end();
  }

  #answer(line: string): void {
    const language = parseAnswer(line);
    if (language === null) return this.#fail(new Error('language detector returned a malformed answer'));
    const index = this.#answered++;
    const waiter = this.#waiting.get(index);
    if (!waiter) return void this.#early.set(index, language);
    waiter.resolve(language);
    this.#waiting.delete(index);
    this.#holdWhileAwaited();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const w of this.#waiting.values()) w.reject(this.#failure);
    this.#waiting.clear();
    this.#holdWhileAwaited();
  }

  /** The child and its pipes keep the process alive only while an answer is awaited. */
  #holdWhileAwaited(): void {
    const child = this.#child;
    if (!child) return;
    const hold = this.#waiting.size > 0;
    // The pipes are sockets, which can be unref'd like the process.
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref(): void; unref(): void }>) {
      if (hold) handle.ref();
      else handle.unref();
    }
  }
}
