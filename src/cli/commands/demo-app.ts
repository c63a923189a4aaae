import { Command } from 'commander';
import type { RunningDemoApp } from '../../demo-app/index.ts';
import { FAULTS } from '../../demo-app/faults.ts';
import { demoAppVariables } from '../../config/programs/demo-app.ts';
import { UserError } from '../../errors.ts';
import { registerSecret } from '../../log/redact.ts';
import type { Start } from '../command.ts';
import { flag, parsers } from '../options.ts';

interface DemoAppFlags {
  port?: number;
  host?: string;
  fault?: string;
}

export function command(start: Start): Command {
  return new Command('demo-app')
    .summary('Start the demo SaaS app.')
    .description(
      'Start the demo SaaS app: sign-up on a Free plan, upgrade to Pro through Stripe Checkout, a webhook handler, an admin API for environments and faults. Runs until interrupted.',
    )
    .addOption(flag('--port <N>', 'Port to listen on; 0 picks a free one. Default 4000 (DEMO_APP_PORT).', parsers.port))
    .addOption(flag('--host <HOST>', 'Address to listen on. Default 127.0.0.1 (DEMO_APP_HOST).', parsers.nonEmpty))
    .addOption(
      flag('--fault <NAME>', `A bad deploy to reproduce (DEMO_APP_FAULT): ${Object.keys(FAULTS).join(', ')}.`, parsers.oneOf([...Object.keys(FAULTS), 'none'])),
    )
    .action((flags: DemoAppFlags) =>
      start(async (ctx) => {
        const c = ctx.variables(demoAppVariables);
        const [{ startDemoApp }, { assertTestKey }] = await Promise.all([import('../../demo-app/index.ts'), import('../../stripe/client.ts')]);
        if (!c.STRIPE_SECRET_KEY)
          throw new UserError('STRIPE_SECRET_KEY is required (with the emulator any sk_test_… key works; set STRIPE_API_URL to the emulator).');
        if (!c.DEMO_APP_ADMIN_TOKEN)
          throw new UserError('DEMO_APP_ADMIN_TOKEN is required: a random string of at least 12 characters that guards the admin API.');
        assertTestKey(c.STRIPE_SECRET_KEY);
        registerSecret(c.DEMO_APP_ADMIN_TOKEN);
        let app: RunningDemoApp;
        try {
          app = await startDemoApp({
            port: flags.port ?? c.DEMO_APP_PORT,
            host: flags.host ?? c.DEMO_APP_HOST,
            stripeSecretKey: c.STRIPE_SECRET_KEY,
            stripeApiUrl: c.STRIPE_API_URL,
            webhookSecret: c.STRIPE_WEBHOOK_SECRET,
            publicUrl: c.DEMO_APP_PUBLIC_URL,
            database: c.DEMO_APP_DATABASE,
            adminToken: c.DEMO_APP_ADMIN_TOKEN,
            version: c.DEMO_APP_VERSION,
            fault: flags.fault ?? c.DEMO_APP_FAULT,
          });
        } catch (err) {
          ctx.log.error(`could not start the demo app: ${(err as Error).message}`);
          return 1;
        }
        ctx.out(`Demo app listening on ${app.url}`);
        await ctx.untilStopped();
        await app.close();
        return 0;
      }),
    );
}
