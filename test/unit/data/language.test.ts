import { describe, expect, test } from 'vitest';
import { detectLanguage } from '../../../src/data/language.js';

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
