import { LiveKeyRefused } from '../../stripe/client.ts';
import { TargetConfigError } from '../../runner/targets.ts';
import { DEFAULT_GREP, runCanary, type Trigger } from '../../runner/run.ts';
import { UnknownFault } from '../../demo-app/faults.ts';
import { parsers, type CommandSpec, type ParsedFlags } from '../args.ts';
import type { CommandContext } from '../main.ts';

const TRIGGERS = ['manual', 'post-deploy', 'schedule'] as const;

export const spec: CommandSpec = {
  name: 'run',
  summary:
    'Run the monitoring specs once: start what is not configured (the Stripe emulator, the demo app), drive the upgrade through Checkout, verify Stripe and the app, and write reports/<run-id>/. Exit 0 passed, 1 failed, 2 usage or configuration error, 3 inconclusive.',
  flags: {
    trigger: {
      value: 'manual|post-deploy|schedule',
      description: 'Why this run happens (recorded in the report). Default manual.',
      parse: (raw) => {
        if (!(TRIGGERS as readonly string[]).includes(raw)) throw new Error(`must be one of ${TRIGGERS.join(', ')}`);
        return raw as Trigger;
      },
    },
    deployer: { value: 'WHO', description: 'Who deployed (for the alert).', parse: parsers.nonEmpty },
    commit: { value: 'SHA', description: 'The deployed commit.', parse: parsers.nonEmpty },
    grep: {
      value: 'PATTERN',
      description: `Only tests whose title matches. Default ${DEFAULT_GREP} (the suite of post-deploy and scheduled runs); @extended for the card outcomes, . for every spec.`,
      parse: parsers.nonEmpty,
    },
    workers: { value: 'N', description: 'Parallel browser workers.', parse: parsers.positiveInt },
    'repeat-each': { value: 'N', description: 'Run each test N times.', parse: parsers.positiveInt },
    retries: {
      value: 'N',
      description: 'Retries of a failed test (default 0); a test passing on retry is reported flaky.',
      parse: (raw) => {
        if (!/^\d+$/.test(raw)) throw new Error('must be a whole number');
        return Number(raw);
      },
    },
    headed: { description: 'Show the browser.' },
  },
};

export async function run(flags: ParsedFlags, ctx: CommandContext): Promise<number> {
  try {
    const result = await runCanary(
      {
        trigger: (flags.trigger as Trigger | undefined) ?? 'manual',
        deployer: flags.deployer as string | undefined,
        commit: flags.commit as string | undefined,
        grep: flags.grep as string | undefined,
        workers: flags.workers as number | undefined,
        repeatEach: flags['repeat-each'] as number | undefined,
        retries: flags.retries as number | undefined,
        headed: flags.headed === true,
      },
      ctx.config,
      { out: ctx.out, log: ctx.log },
    );
    return result.exitCode;
  } catch (err) {
    if (err instanceof LiveKeyRefused || err instanceof TargetConfigError || err instanceof UnknownFault) {
      ctx.log.error(err.message);
      return 2;
    }
    ctx.log.error(`the run could not complete: ${(err as Error).message}`);
    return 1;
  }
}
