import { describe, expect, it } from 'vitest';
import { conversationSchema, rubricSchema } from '../../../src/schemas/index.js';

// The schema files beside the data let editors validate it; they are generated from the code.
// Regenerate after a schema change with `npx vitest run test/unit/schemas -u`.
describe('generated JSON Schema files', () => {
  it('conversations/conversation.schema.json matches the schema in the code', async () => {
    await expect(`${JSON.stringify(conversationSchema, null, 2)}\n`).toMatchFileSnapshot('../../../conversations/conversation.schema.json');
  });
  it('rubrics/rubric.schema.json matches the schema in the code', async () => {
    await expect(`${JSON.stringify(rubricSchema, null, 2)}\n`).toMatchFileSnapshot('../../../rubrics/rubric.schema.json');
  });
});
