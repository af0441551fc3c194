import { describe, expect, test } from 'vitest';
import {
  DEFAULT_GRADER,
  formatModelSpec,
  parseModelSpec,
  referenceCandidateParams,
  referenceGraderParams,
  withSystemPrompt,
} from '../../../src/providers/model-client.js';

describe('parseModelSpec / formatModelSpec', () => {
  test('parses provider:model and round-trips', () => {
    expect(parseModelSpec('openai:gpt-4.1-mini')).toEqual({ provider: 'openai', model: 'gpt-4.1-mini' });
    expect(parseModelSpec(' anthropic:claude-sonnet-4-5 ')).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(formatModelSpec({ provider: 'openai', model: 'llama3.1:8b' })).toBe('openai:llama3.1:8b');
    expect(parseModelSpec('openai:llama3.1:8b')).toEqual({ provider: 'openai', model: 'llama3.1:8b' });
  });

  test.each(['gpt-4.1', 'google:gemini', 'openai:', ':gpt', ''])('rejects %j', (text) => {
    expect(parseModelSpec(text)).toBeNull();
  });

  test('the default grader is a valid spec', () => {
    expect(parseModelSpec(DEFAULT_GRADER)).toEqual({ provider: 'openai', model: 'gpt-4.1-2025-04-14' });
  });
});

describe('withSystemPrompt', () => {
  test('prepends the system prompt, or returns the messages as they are', () => {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    expect(withSystemPrompt(messages, null)).toBe(messages);
    expect(withSystemPrompt(messages, 'Be brief.')).toEqual([{ role: 'system', content: 'Be brief.' }, ...messages]);
  });
});

describe('reference sampling parameters', () => {
  test('OpenAI chat candidates get the simple-evals defaults', () => {
    expect(referenceCandidateParams({ provider: 'openai', model: 'gpt-4.1-mini' })).toEqual({
      temperature: 0.5,
      maxTokens: 2048,
      systemPrompt: 'You are a helpful assistant.',
      reasoningEffort: null,
    });
  });

  test('OpenAI reasoning candidates get none of them', () => {
    for (const model of ['o3', 'o4-mini', 'gpt-5']) {
      expect(referenceCandidateParams({ provider: 'openai', model })).toEqual({
        temperature: null,
        maxTokens: null,
        systemPrompt: null,
        reasoningEffort: null,
      });
    }
  });

  test('Claude candidates get temperature 0 and 4096 tokens, no system prompt', () => {
    expect(referenceCandidateParams({ provider: 'anthropic', model: 'claude-sonnet-4-5' })).toEqual({
      temperature: 0,
      maxTokens: 4096,
      systemPrompt: null,
      reasoningEffort: null,
    });
  });

  test('the default grader gets temperature 0.5, 2048 tokens and the default system line', () => {
    expect(referenceGraderParams({ provider: 'openai', model: 'gpt-4.1-2025-04-14' })).toEqual({
      temperature: 0.5,
      maxTokens: 2048,
      systemPrompt: 'You are a helpful assistant.',
      reasoningEffort: null,
    });
  });
});
