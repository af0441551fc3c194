/** Public API of the gate folder: release policies, their evaluation and renderings (pure), plus the policy reader (edge). */
export { GATE_POLICY_SCHEMA, parsePolicy, renderPolicySchemaJson, type GatePolicy, type MaxDropPolicy } from './policy.js';
export { escapeXml, evaluateGate, renderGateText, renderJunit, reportGroupScore, type GateResult, type GateRule } from './evaluate-gate.js';
export { readPolicyFile } from './read-policy.js';
