/**
 * Test program: one `canary schedule` copy as the coordinator's tests run it — `startScheduler`
 * with the real PostgreSQL coordinator, and a run job that records its occurrence and pid in the
 * `test_runs` table. Its scheduler's lines (the routine ones too) go to stdout. With
 * JOB=hang the run holds until the process is killed, as a copy that crashes mid-run.
 *
 * Env: COORDINATOR_URL, CRON (default every second), LEASE_MS (default 3000), JOB (record|hang).
 * SIGTERM stops it cleanly.
 */
import pg from 'pg';
import { PostgresCoordinator } from '../coordinator.ts';
import { startScheduler } from '../scheduler.ts';

const url = process.env.COORDINATOR_URL!;
const hang = process.env.JOB === 'hang';
const out = (line: string) => process.stdout.write(`${line}\n`);
const db = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 });
const coordinator = new PostgresCoordinator(url, { leaseMs: Number(process.env.LEASE_MS ?? 3_000), log: (l) => out(`coordinator: ${l}`) });

const scheduler = startScheduler(
  { cron: process.env.CRON ?? '* * * * * *', pruneCron: '0 0 1 1 *', timezone: 'UTC', runNow: false, graceMs: 1_000 },
  {
    run: async (signal, occurrence) => {
      await db.query('insert into test_runs (occurrence, pid) values ($1, $2)', [occurrence, process.pid]);
      if (hang) {
        out(`holding ${occurrence.toISOString()}`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      }
      return { outcome: 'recorded', exitCode: 0 };
    },
    prune: async () => ({ outcome: 'nothing to prune' }),
    flush: async () => ({ outcome: 'nothing waiting' }),
  },
  out,
  { coordinator },
);
out(`ready ${process.pid}`);

process.once('SIGTERM', async () => {
  await scheduler.stop();
  await coordinator.close();
  await db.end();
  process.exit(0);
});
