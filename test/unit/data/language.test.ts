import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Message } from '../../../src/core/types.js';
import { LanguageStream, userText } from '../../../src/data/language.js';

/** The language of one conversation's user turns, as a run detects it (in this process under vitest). */
async function detectLanguage(messages: readonly Message[]): Promise<string> {
  return new LanguageStream().language(userText(messages));
}

describe('detectLanguage', () => {
  test.each([
    ['es', '¿Puedo tomar paracetamol si estoy embarazada? Me duele la cabeza desde esta mañana.'],
    ['fr', "J'ai mal à la gorge depuis trois jours, est-ce que je dois voir un médecin ?"],
    ['de', 'Ich habe seit gestern Fieber und starke Kopfschmerzen. Was soll ich tun?'],
    ['en', 'I have had a dry cough for two weeks now. Should I see a doctor about it?'],
  ])('detects %s from a short user turn', async (code, text) => {
    expect(await detectLanguage([{ role: 'user', content: text }])).toBe(code);
  });

  test('reads only the user turns', async () => {
    const language = await detectLanguage([
      { role: 'system', content: 'You are a helpful assistant. Always answer clearly and in full sentences.' },
      { role: 'user', content: 'Mein Kind hat seit zwei Tagen Durchfall und trinkt sehr wenig.' },
      { role: 'assistant', content: 'How old is your child, and are they passing urine normally?' },
      { role: 'user', content: 'Er ist drei Jahre alt und hat heute kaum Windeln nass gemacht.' },
    ]);
    expect(language).toBe('de');
  });

  test('a conversation without user text is und', async () => {
    expect(await detectLanguage([{ role: 'assistant', content: 'Hello there, how can I help you today?' }])).toBe('und');
    expect(await detectLanguage([{ role: 'user', content: '   ' }])).toBe('und');
  });
});

// The detector's child process needs the compiled module (vitest's transform has no import.meta.resolve), so this part
// drives the build (`npm test` builds first).
const DIST = new URL('../../../dist/data/language.js', import.meta.url);
type Language = typeof import('../../../src/data/language.js');

describe.runIf(existsSync(DIST))('languages detected in the child process', () => {
  const texts = ['I have had a dry cough for two weeks now.', '  ', 'Ich habe seit gestern Fieber und starke Kopfschmerzen.'];

  test('come back in order, one per text, the same as in this process', async () => {
    const { LanguageStream: Stream } = (await import(DIST.href)) as Language;
    const stream = new Stream();
    const answers = texts.map((t) => stream.language(t));
    stream.end();
    expect(await Promise.all(answers)).toEqual(['en', 'und', 'de']);
  });

  test('are answered one by one: each as soon as it is detected, before the next text is even given', async () => {
    const { LanguageStream } = (await import(DIST.href)) as Language;
    const stream = new LanguageStream();
    const first = stream.language(texts[0] ?? '');
    // Awaited twice (the repeats of one example share it): one answer.
    expect(await first).toBe('en');
    expect(await first).toBe('en');
    expect(await stream.language(texts[1] ?? '')).toBe('und');
    const later = stream.language(texts[2] ?? '');
    const unawaited = stream.language(texts[0] ?? '');
    stream.end();
    expect(await later).toBe('de');
    // Answered while nobody waited for it, and kept until asked for.
    expect(await unawaited).toBe('en');
  });
});
