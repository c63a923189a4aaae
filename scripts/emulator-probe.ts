/**
 * How much of Stripe's documented API the emulator accepts (issue 20's first "Done when"): every
 * documented top-level parameter of the endpoints in scripts/emulator-probe/endpoints.ts, read from
 * stripe-node's types, sent one request each; a table per endpoint and the totals. A measurement,
 * not a gate.
 *
 *   node --import tsx scripts/emulator-probe.ts [--json] [--url http://127.0.0.1:12111]
 *
 * Without --url it starts the embedded emulator in-process on a free port and stops it after.
 * Exit codes: 0 it ran (whatever the figures); 1 it could not finish; 2 a bad flag or an
 * unreachable --url.
 */
import { parseArgs } from 'node:util';

const USAGE = 'usage: node --import tsx scripts/emulator-probe.ts [--json] [--url URL]';

async function main(argv: string[]): Promise<number> {
  let values: { json?: boolean; url?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`emulator-probe: ${(err as Error).message}; ${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // The emulator, the SDK and the TypeScript compiler load only once the flags are known good.
  const [{ ProbeUsageError, parseApiUrl, runProbe }, { renderJson, renderText }] = await Promise.all([
    import('./emulator-probe/probe.ts'),
    import('./emulator-probe/report.ts'),
  ]);
  try {
    const given = values.url === undefined ? undefined : parseApiUrl(values.url);
    const emulator = given ? undefined : await (await import('../src/emulators/stripe/index.ts')).startStripeEmulator({ port: 0 });
    try {
      const report = await runProbe(given ?? new URL(emulator!.url));
      process.stdout.write(values.json ? renderJson(report) : renderText(report));
    } finally {
      await emulator?.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof ProbeUsageError) {
      console.error(`emulator-probe: ${err.message}`);
      return 2;
    }
    console.error(`emulator-probe: could not finish: ${(err as Error).stack ?? err}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
