/** `canary stripe-emulator`: the local Stripe's own settings. */
import { z } from 'zod';
import * as s from '../schemas.ts';
import type { Values, VariableTable } from '../variables.ts';
import { commonVariables, emulatorWebhookVariables } from './common.ts';

export const stripeEmulatorVariables = {
  ...commonVariables,
  STRIPE_EMULATOR_HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'Address the Stripe emulator listens on (`canary stripe-emulator --host`).',
  },
  STRIPE_EMULATOR_PORT: {
    schema: s.port,
    default: '12111',
    description: 'Port of the Stripe emulator (`--port`); 0 picks a free one.',
  },
  STRIPE_EMULATOR_DATA_FILE: {
    schema: z.string().min(1).optional(),
    description: 'File the emulator keeps its state in, so it survives a restart (`--data-file`). Default: memory only.',
  },
  STRIPE_EMULATOR_RATE_LIMIT: {
    schema: s.positiveInt.optional(),
    description: 'Requests per second per API key before the emulator answers 429 (`--rate-limit`). Default: no limit.',
  },
  ...emulatorWebhookVariables,
} satisfies VariableTable;

export type StripeEmulatorConfig = Values<typeof stripeEmulatorVariables>;
