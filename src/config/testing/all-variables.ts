/**
 * Every variable any program of the project reads, with its description: the harness's, the
 * emulators', the demo app's and the bundled demo app adapter's. The tests check .env.example,
 * the configuration guide and the CI workflows against it.
 */
import { demoApp } from '../../../apps/demo-app/adapter.ts';
import { demoAppVariables } from '../programs/demo-app.ts';
import { harnessVariables } from '../programs/harness.ts';
import { slackEmulatorVariables } from '../programs/slack-emulator.ts';
import { stripeEmulatorVariables } from '../programs/stripe-emulator.ts';

export const allVariables: Record<string, { description: string; default?: string }> = {
  ...harnessVariables,
  ...stripeEmulatorVariables,
  ...demoAppVariables,
  ...slackEmulatorVariables,
  ...demoApp.variables,
};
