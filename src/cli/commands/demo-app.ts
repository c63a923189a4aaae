import { DemoAppConfigError, startDemoApp, type RunningDemoApp } from '../../demo-app/index.ts';
import { UnknownFault } from '../../demo-app/faults.ts';
import { registerSecret } from '../../log/redact.ts';
import { parsers, type CommandSpec, type ParsedFlags } from '../args.ts';
import type { CommandContext } from '../main.ts';

export const spec: CommandSpec = {
  name: 'demo-app',
  summary:
    'Start the demo SaaS app: sign-up on a Free plan, upgrade to Pro through Stripe Checkout, a webhook handler, an admin API for environments and faults. Runs until interrupted.',
  flags: {
    port: { value: 'N', description: 'Port to listen on; 0 picks a free one. Default 4000 (DEMO_APP_PORT).', parse: parsers.port },
    host: { value: 'HOST', description: 'Address to listen on. Default 127.0.0.1 (DEMO_APP_HOST).', parse: parsers.nonEmpty },
    fault: { value: 'NAME', description: 'A bad deploy to reproduce (DEMO_APP_FAULT): webhook-500, webhook-timeout, webhook-wrong-secret, ignore-upgrade, wrong-price, checkout-500.', parse: parsers.nonEmpty },
  },
};

/** Exit 2: the configuration is wrong; 1: the app could not start. */
export async function run(flags: ParsedFlags, ctx: CommandContext): Promise<number> {
  const c = ctx.config;
  if (!c.STRIPE_SECRET_KEY) {
    ctx.log.error('STRIPE_SECRET_KEY is required (with the emulator any sk_test_… key works; set STRIPE_API_URL to the emulator).');
    return 2;
  }
  if (!c.DEMO_APP_ADMIN_TOKEN) {
    ctx.log.error('DEMO_APP_ADMIN_TOKEN is required: a random string of at least 12 characters that guards the admin API.');
    return 2;
  }
  registerSecret(c.DEMO_APP_ADMIN_TOKEN);
  let app: RunningDemoApp;
  try {
    app = await startDemoApp({
      port: (flags.port as number | undefined) ?? c.DEMO_APP_PORT,
      host: (flags.host as string | undefined) ?? c.DEMO_APP_HOST,
      stripeSecretKey: c.STRIPE_SECRET_KEY,
      stripeApiUrl: c.STRIPE_API_URL,
      webhookSecret: c.STRIPE_WEBHOOK_SECRET,
      publicUrl: c.DEMO_APP_PUBLIC_URL,
      database: c.DEMO_APP_DATABASE,
      adminToken: c.DEMO_APP_ADMIN_TOKEN,
      version: c.DEMO_APP_VERSION,
      fault: (flags.fault as string | undefined) ?? c.DEMO_APP_FAULT,
    });
  } catch (err) {
    if (err instanceof UnknownFault || err instanceof DemoAppConfigError) {
      ctx.log.error(err.message);
      return 2;
    }
    ctx.log.error(`could not start the demo app: ${(err as Error).message}`);
    return 1;
  }
  ctx.out(`Demo app listening on ${app.url}`);
  await ctx.untilStopped();
  await app.close();
  return 0;
}
