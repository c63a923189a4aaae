/**
 * Test helper: reads Prometheus' text exposition format (0.0.4) strictly — every line a comment
 * (`# HELP name …`, `# TYPE name counter|gauge|histogram|summary|untyped`) or a sample
 * `name{label="value",…} number` — and answers the samples by `name{labels}` (labels sorted). A
 * line that is neither (empty lines are allowed, as the format says), a sample of a metric with no TYPE, or a TYPE given twice throws, naming it.
 */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (\\S+)(?: -?\\d+)?$`);
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]?Inf|NaN)$/;

export function parsePrometheusText(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition does not end with a newline');
  for (const [i, line] of lines.slice(0, -1).entries()) {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!m) throw new Error(`${where} is a comment that is neither HELP nor TYPE`);
      if (m[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(m[3]!)) throw new Error(`${where} has an unknown type`);
        if (types.has(m[2]!)) throw new Error(`${where} gives ${m[2]} a second TYPE`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m || !VALUE.test(m[3]!)) throw new Error(`${where} is not a sample`);
    const name = m[1]!;
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n));
    if (!family) throw new Error(`${where}: ${name} has no TYPE`);
    const labels = (m[2] ?? '').match(new RegExp(LABEL, 'g')) ?? [];
    samples.set(`${name}{${labels.sort().join(',')}}`, Number(m[3]!.replace(/Inf$/, 'Infinity')));
  }
  return samples;
}
