import { startStripeEmulator, type RunningStripeEmulator } from '../../emulators/stripe/index.ts';
import { parsers, type CommandSpec, type ParsedFlags } from '../args.ts';
import type { CommandContext } from '../main.ts';

export const spec: CommandSpec = {
  name: 'stripe-emulator',
  summary:
    'Start the embedded Stripe emulator: the Stripe API (for the official SDK with {host, port, protocol: "http"}), signed webhooks and the /_emulator control API. Runs until interrupted.',
  flags: {
    port: { value: 'N', description: 'Port to listen on; 0 picks a free one. Default 12111 (STRIPE_EMULATOR_PORT).', parse: parsers.port },
    host: { value: 'HOST', description: 'Address to listen on. Default 127.0.0.1 (STRIPE_EMULATOR_HOST).', parse: parsers.nonEmpty },
    'data-file': { value: 'PATH', description: 'Keep state in this file so it survives a restart. Default: memory only.', parse: parsers.nonEmpty },
    'rate-limit': { value: 'N', description: 'Answer 429 above N requests per second per API key. Default: no limit.', parse: parsers.positiveInt },
    'webhook-retry-delays': { value: 'MS,MS,…', description: 'Delays before webhook retries, in ms. Default 250,1000,4000.', parse: parsers.msList },
    'webhook-timeout': { value: 'MS', description: 'Time a webhook endpoint has to answer, in ms. Default 5000.', parse: parsers.positiveInt },
  },
};

export async function run(flags: ParsedFlags, ctx: CommandContext): Promise<number> {
  const c = ctx.config;
  let emulator: RunningStripeEmulator;
  try {
    emulator = await startStripeEmulator({
      port: (flags.port as number | undefined) ?? c.STRIPE_EMULATOR_PORT,
      host: (flags.host as string | undefined) ?? c.STRIPE_EMULATOR_HOST,
      dataFile: (flags['data-file'] as string | undefined) ?? c.STRIPE_EMULATOR_DATA_FILE,
      rateLimit: (flags['rate-limit'] as number | undefined) ?? c.STRIPE_EMULATOR_RATE_LIMIT,
      webhookRetryDelaysMs: (flags['webhook-retry-delays'] as number[] | undefined) ?? c.STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS,
      webhookTimeoutMs: (flags['webhook-timeout'] as number | undefined) ?? c.STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS,
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
}
