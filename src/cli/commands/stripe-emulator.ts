import { Command } from 'commander';
import { stripeEmulatorVariables } from '../../config/programs/stripe-emulator.ts';
import type { RunningStripeEmulator } from '../../emulators/stripe/index.ts';
import type { Start } from '../command.ts';
import { flag, parsers } from '../options.ts';

interface EmulatorFlags {
  port?: number;
  host?: string;
  dataFile?: string;
  rateLimit?: number;
  webhookRetryDelays?: number[];
  webhookTimeout?: number;
}

export function command(start: Start): Command {
  return new Command('stripe-emulator')
    .summary('Start the embedded Stripe emulator.')
    .description(
      'Start the embedded Stripe emulator: the Stripe API (for the official SDK with {host, port, protocol: "http"}), signed webhooks and the /_emulator control API. Runs until interrupted.',
    )
    .addOption(flag('--port <N>', 'Port to listen on; 0 picks a free one. Default 12111 (STRIPE_EMULATOR_PORT).', parsers.port))
    .addOption(flag('--host <HOST>', 'Address to listen on. Default 127.0.0.1 (STRIPE_EMULATOR_HOST).', parsers.nonEmpty))
    .addOption(flag('--data-file <PATH>', 'Keep state in this file so it survives a restart. Default: memory only.', parsers.nonEmpty))
    .addOption(flag('--rate-limit <N>', 'Answer 429 above N requests per second per API key. Default: no limit.', parsers.positiveInt))
    .addOption(
      flag(
        '--webhook-retry-delays <MS,MS,…>',
        'Delays before webhook retries, in ms or as durations (250,1000,4000 or 250ms,1s,4s). Default 250,1000,4000.',
        parsers.durationList,
      ),
    )
    .addOption(
      flag('--webhook-timeout <MS>', 'Time a webhook endpoint has to answer, in ms or as a duration (5000 or 5s). Default 5000.', parsers.durationOrMs),
    )
    .action((flags: EmulatorFlags) =>
      start(async (ctx) => {
        const c = ctx.variables(stripeEmulatorVariables);
        const { startStripeEmulator } = await import('../../emulators/stripe/index.ts');
        let emulator: RunningStripeEmulator;
        try {
          emulator = await startStripeEmulator({
            port: flags.port ?? c.STRIPE_EMULATOR_PORT,
            host: flags.host ?? c.STRIPE_EMULATOR_HOST,
            dataFile: flags.dataFile ?? c.STRIPE_EMULATOR_DATA_FILE,
            rateLimit: flags.rateLimit ?? c.STRIPE_EMULATOR_RATE_LIMIT,
            webhookRetryDelaysMs: flags.webhookRetryDelays ?? c.STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS,
            webhookTimeoutMs: flags.webhookTimeout ?? c.STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS,
          });
        } catch (err) {
          const e = err as Error & { code?: string };
          if (e.code === 'EADDRINUSE') ctx.log.error(`the port is already in use (${e.message}); pick another with --port`);
          else ctx.log.error(`could not start the Stripe emulator: ${e.message}`);
          return 1;
        }
        ctx.out(`Stripe emulator listening on ${emulator.url}`);
        await ctx.untilStopped();
        await emulator.close();
        return 0;
      }),
    );
}
