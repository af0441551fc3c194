import { Worker } from 'node:worker_threads';
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

// The detector runs in a worker thread that is ended once every language is known, so its n-gram tables do
// not stay in the evaluation's heap for the whole run.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url).then(({ eld }) => {
  parentPort.on('message', (texts) => {
    parentPort.postMessage(texts.map((t) => (t.trim() === '' ? 'und' : eld.detect(t).language || 'und')));
  });
  parentPort.postMessage('ready');
}, (err) => parentPort.postMessage({ error: String(err) }));
`;

/** The module URL of the detector, when this runtime can resolve it (Node ≥ 20.6 outside test transforms). */
function detectorUrl(): string | null {
  try {
    return import.meta.resolve(ELD_ENTRY);
  } catch {
    return null;
  }
}

async function detectInWorker(url: string, texts: readonly string[]): Promise<string[]> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url } });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (msg: unknown) => {
        if (msg === 'ready') worker.postMessage(texts);
        else if (Array.isArray(msg)) resolve(msg as string[]);
        else reject(new Error(`language detector failed: ${JSON.stringify(msg)}`));
      });
    });
  } finally {
    await worker.terminate();
  }
}

let inThread: Promise<Detector> | null = null;

/**
 * ISO 639-1 codes (eld) of the user turns of each conversation, `und` when it cannot tell. Runs in a
 * short-lived worker thread; where the detector cannot be resolved for a worker, runs in this thread.
 */
export async function detectLanguages(texts: readonly string[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const url = detectorUrl();
  if (url) return detectInWorker(url, texts);
  inThread ??= import('eld/medium').then((m) => m.eld as Detector);
  const d = await inThread;
  return texts.map((t) => (t.trim() === '' ? 'und' : d.detect(t).language || 'und'));
}

/** The language of one conversation's user turns. */
export async function detectLanguage(messages: readonly Message[]): Promise<string> {
  const [lang = 'und'] = await detectLanguages([userText(messages)]);
  return lang;
}
