/**
 * The one way a run ends, whoever made it (`canary run`, `canary merge-reports`): its summary
 * written, `reports/latest` pointed at it, the summary printed, and the exit code.
 */
import { rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeOf, formatSummary, isApiCheck } from './summary.ts';
import { writeSummary } from './summary-file.ts';
import type { RunSummary } from './summary-schema.ts';

/**
 * Points reports/latest (an API check: reports/latest-<check>) at the run's folder, swapped in
 * atomically (a new link renamed over the old one): concurrent runs may finish together.
 */
export async function pointLatest(reportsDir: string, runId: string, name = 'latest'): Promise<void> {
  const next = path.join(reportsDir, `.${name}-${runId}`);
  await rm(next, { force: true });
  await symlink(runId, next);
  await rename(next, path.join(reportsDir, name));
}

export async function finishRun(
  summary: RunSummary,
  reportDir: string,
  out: (line: string) => void,
  options: { strictCleanup?: boolean } = {},
): Promise<number> {
  writeSummary(reportDir, summary);
  await pointLatest(path.dirname(reportDir), summary.run_id, isApiCheck(summary) ? `latest-${summary.check}` : 'latest');
  out(formatSummary(summary, path.relative(process.cwd(), reportDir) || reportDir));
  // A shard may get no test (more shards than tests); whether any matched is the merged run's call.
  return summary.shard && summary.outcome === 'no-tests' ? 0 : exitCodeOf(summary, options);
}
