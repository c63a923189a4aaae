/** Writes src/runner/summary.schema.json, the JSON Schema of summary.json, from its zod schema. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { summaryJsonSchema } from '../src/runner/summary-schema.ts';

const file = path.resolve(import.meta.dirname, '../src/runner/summary.schema.json');
writeFileSync(file, `${JSON.stringify(summaryJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
