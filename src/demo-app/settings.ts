/**
 * The demo app's settings as values it accepts, for whoever configures it: `canary demo-app`'s
 * variables and the demo app's adapter (apps/demo-app), which starts or drives it.
 */
import { z } from 'zod';
import { FAULTS } from './faults.ts';

const FAULT_NAMES = Object.keys(FAULTS) as [keyof typeof FAULTS, ...(keyof typeof FAULTS)[]];

export const demoAppSchemas = {
  adminToken: z.string().min(12, 'must be at least 12 characters'),
  fault: z.enum([...FAULT_NAMES, 'none'], { error: `must be one of ${FAULT_NAMES.join(', ')} or none` }),
  webhookSecret: z.string().regex(/^whsec_\S+$/, 'must be a webhook signing secret (whsec_…)'),
  version: z.string().min(1, 'must not be empty'),
};

export const FAULT_LIST = FAULT_NAMES.join(', ');
