import { spawn } from 'node:child_process';
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
const CHILD_SOURCE = `
const { eld } = await import(process.argv[1]);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const texts = JSON.parse(input);
process.stdout.write(JSON.stringify(texts.map((t) => (t.trim() === '' ? 'und' : eld.detect(t).language || 'und'))));
`;

/** The module URL of the detector, when this runtime can resolve it (Node ≥ 20.6 outside test transforms). */
function detectorUrl(): string | null {
  try {
    return import.meta.resolve(ELD_ENTRY);
  } catch {
    return null;
  }
}

async function detectInChild(url: string, texts: readonly string[]): Promise<string[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SOURCE, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(JSON.stringify(texts));
  const code = await exited;
  if (code !== 0) throw new Error(`language detector exited with ${code}: ${err.trim().slice(0, 500)}`);
  const langs = JSON.parse(out) as unknown;
  if (!Array.isArray(langs) || langs.length !== texts.length) throw new Error('language detector returned a malformed answer');
  return langs as string[];
}

let inThread: Promise<Detector> | null = null;

/**
 * ISO 639-1 codes (eld) of the user turns of each conversation, `und` when it cannot tell. Runs in a
 * short-lived child process; where the detector's module cannot be resolved, runs in this process.
 */
export async function detectLanguages(texts: readonly string[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const url = detectorUrl();
  if (url) return detectInChild(url, texts);
  inThread ??= import('eld/medium').then((m) => m.eld as Detector);
  const d = await inThread;
  return texts.map((t) => (t.trim() === '' ? 'und' : d.detect(t).language || 'und'));
}

/** The language of one conversation's user turns. */
export async function detectLanguage(messages: readonly Message[]): Promise<string> {
  const [lang = 'und'] = await detectLanguages([userText(messages)]);
  return lang;
}
