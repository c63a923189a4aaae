/** `canary demo-app`: the demo SaaS as a program of its own, with its Stripe target. */
import { z } from 'zod';
import { demoAppSchemas, FAULT_LIST } from '../../demo-app/settings.ts';
import * as s from '../schemas.ts';
import type { Values, VariableTable } from '../variables.ts';
import { commonVariables, stripeTargetVariables } from './common.ts';

export const demoAppVariables = {
  ...commonVariables,
  ...stripeTargetVariables,
  STRIPE_WEBHOOK_SECRET: {
    schema: demoAppSchemas.webhookSecret.optional(),
    description: "The demo app's webhook signing secret. Default: the app registers its endpoint at start and keeps the returned secret.",
    secret: true,
  },
  DEMO_APP_HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'Address the demo app listens on (`canary demo-app --host`).',
  },
  DEMO_APP_PORT: {
    schema: s.port,
    default: '4000',
    description: 'Port of the demo app (`--port`); 0 picks a free one.',
  },
  DEMO_APP_PUBLIC_URL: {
    schema: s.url('https://app.example.com').optional(),
    description: "The demo app's own public address, for Checkout's return URLs and the webhook URL. Default http://HOST:PORT.",
  },
  DEMO_APP_DATABASE: {
    schema: z.string().min(1),
    default: '.canary/demo-app.sqlite',
    description: "The demo app's SQLite database file (`:memory:` keeps nothing).",
  },
  DEMO_APP_ADMIN_TOKEN: {
    schema: demoAppSchemas.adminToken.optional(),
    description:
      "Token guarding the demo app's admin API (environments, faults). Required by `canary demo-app`, and by `canary run` against a deployed demo app.",
    secret: true,
  },
  DEMO_APP_VERSION: {
    schema: demoAppSchemas.version,
    default: 'dev',
    description: 'The deployed version the demo app reports on /healthz.',
  },
  DEMO_APP_FAULT: {
    schema: demoAppSchemas.fault.optional(),
    description: `A bad deploy to reproduce: ${FAULT_LIST} (or none).`,
  },
} satisfies VariableTable;

export type DemoAppConfig = Values<typeof demoAppVariables>;
