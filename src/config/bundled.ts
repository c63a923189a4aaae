/**
 * What a project gets where its config says nothing: the bundled demo app's adapter and the
 * bundled specs. These are the package's own assets, found beside this module (in dist/ as in
 * the sources, whose layout dist/ mirrors).
 */
import { fileURLToPath } from 'node:url';
import type { AppAdapter } from '../app/define-app.ts';

/** The package's monitoring specs (the @critical upgrade; the @extended card outcomes, renewal and customer portal). */
export const BUNDLED_TESTS = fileURLToPath(new URL('../../tests', import.meta.url));

/** The bundled demo app's adapter: the reference example, loaded only when it is the app. */
export async function bundledApp(): Promise<AppAdapter> {
  return (await import('../../apps/demo-app/adapter.ts')).demoApp as AppAdapter;
}
