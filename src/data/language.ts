import type { Message } from '../core/types.js';

type Detector = { detect: (text: string) => { language: string } };
let detector: Promise<Detector> | null = null;

/** Loads eld's large n-gram database once, only when some example does not state its language. */
function loadDetector(): Promise<Detector> {
  detector ??= import('eld/large').then((m) => m.eld as Detector);
  return detector;
}

/** ISO 639-1 code of a conversation's user turns (eld), or `und` when it cannot tell. */
export async function detectLanguage(messages: readonly Message[]): Promise<string> {
  const text = messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n')
    .slice(0, 4000);
  if (text.trim() === '') return 'und';
  const d = await loadDetector();
  return d.detect(text).language || 'und';
}
