/**
 * Test helper, run as its own process: appends COUNT runs to the SQLite history in REPORTS_DIR,
 * one connection, one run at a time — several of these at once are runs finishing together.
 * Usage: node --import tsx append-runs.ts REPORTS_DIR WRITER COUNT
 */
import path from 'node:path';
import { openHistory } from '../store.ts';
import { runSummary } from './runs.ts';

const [reportsDir, writer, count] = process.argv.slice(2);
const store = await openHistory({ CANARY_REPORTS_DIR: reportsDir!, CANARY_REPORT_URL: undefined, CANARY_COORDINATOR_URL: undefined });
try {
  for (let i = 0; i < Number(count); i++) {
    const s = runSummary({ outcome: 'passed', startedAt: new Date(Date.UTC(2026, 11, 1) + i * 60_000), durationMs: 1000 + i, runId: `canary_w${writer}_${i}` });
    await store.append(s, path.join(reportsDir!, s.run_id));
  }
} finally {
  await store.close();
}
