/** Variables every program reads. */
import { z } from 'zod';
import { LOG_LEVELS } from '../../log/logger.ts';
import * as s from '../schemas.ts';
import type { VariableTable } from '../variables.ts';

export const commonVariables = {
  CANARY_LOG_LEVEL: {
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    description: 'How much the harness logs: debug, info, warn, error or silent.',
  },
} satisfies VariableTable;

/** Where a program sends its Stripe calls: the harness and the demo app. */
export const stripeTargetVariables = {
  STRIPE_SECRET_KEY: {
    schema: s.stripeKey.optional(),
    description: "Stripe API key. Test-mode keys only; with the emulator any sk_test_… works. Default: the emulator's own key when the emulator is used.",
    secret: true,
  },
  STRIPE_API_URL: {
    schema: s.url('http://127.0.0.1:12111').optional(),
    description: 'Where Stripe API calls go (the emulator), instead of api.stripe.com.',
  },
} satisfies VariableTable;

/** The emulator's webhook timing: its own flags' defaults, and what `canary run` gives the emulator it embeds. */
export const emulatorWebhookVariables = {
  STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: {
    schema: s.msList,
    default: '250,1000,4000',
    description: "Delays before each webhook retry, in ms (`--webhook-retry-delays`): a compressed version of Stripe's schedule.",
  },
  STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS: {
    schema: s.positiveInt,
    default: '5000',
    description: 'How long a webhook endpoint has to answer before the attempt counts as failed (`--webhook-timeout`).',
  },
} satisfies VariableTable;
