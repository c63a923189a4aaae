import path from 'node:path';
import { Command } from 'commander';
import type { Start } from '../command.ts';
import { flag, parsers } from '../options.ts';

interface InitFlags {
  package?: string;
  force?: boolean;
}

export function command(start: Start): Command {
  return new Command('init')
    .summary('Scaffold a monitoring project for your own app.')
    .description(
      "Scaffold a monitoring project in DIR (default: the current folder): package.json (added to when there is one), canary.config.ts, an adapter in apps/ that starts as a copy of the demo app's, a spec in canary/, .env.example, .gitignore (added to), playwright.config.ts, tsconfig.json and the GitHub Actions workflows. Never overwrites a file: exit 2 naming each one, unless --force.",
    )
    .argument('[DIR]', 'the project folder (made when missing)')
    .addOption(
      flag(
        '--package <SPEC>',
        'How the project depends on checkout-canary (an npm spec: a version range, file:<tarball>…). Default: ^ this version.',
        parsers.nonEmpty,
      ),
    )
    .addOption(flag('--force', 'Overwrite the files init writes when they exist.'))
    .action((dir: string | undefined, flags: InitFlags) =>
      start(async (ctx) => {
        const [{ initProject }, { bundledApp }] = await Promise.all([import('../../init/init.ts'), import('../../config/bundled.ts')]);
        // The adapter init copies is the bundled demo app's: its variables go into .env.example.
        const demoApp = await bundledApp();
        const given = dir ?? '.';
        const result = initProject(
          { dir: path.resolve(ctx.cwd, given), label: given, packageSpec: flags.package, force: flags.force === true },
          demoApp.variables ?? {},
        );
        const shown = path.relative(ctx.cwd, result.dir) || '.';
        ctx.out(`canary init: a monitoring project in ${shown}`);
        for (const f of result.wrote) ctx.out(`  wrote ${path.join(shown, f)}`);
        for (const k of result.kept) ctx.out(`  kept your ${k}`);
        ctx.out('Next:');
        ctx.out(`  ${shown === '.' ? '' : `cd ${shown} && `}npm install`);
        ctx.out('  npx canary doctor   # checks the set-up; then fill in apps/demo-app.ts for your app (YOUR APP marks every place)');
        ctx.out('  npx canary run');
        return 0;
      }),
    );
}
