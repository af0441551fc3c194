/**
 * HealthBench Professional's task metadata fields. Each becomes an example tag (`use_case:care_consult`,
 * `type:adversarial`, ...) when the data is loaded, so scores roll up by them like by theme.
 */
export const PROFESSIONAL_FAMILIES = ['use_case', 'type', 'difficulty', 'specialty'] as const;

export type ProfessionalFamily = (typeof PROFESSIONAL_FAMILIES)[number];
