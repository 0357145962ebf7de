import type { BenchReport, MethodReport } from './report.js';

const pct = (x: number) => (100 * x).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/** The report as Markdown: what ran where, one table row per method, then what each method is. */
export function reportMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(
    `# ${report.model.name} on ${report.task}: LiteStage against full depth and prior skipping`,
  );
  lines.push('');
  lines.push(
    `${report.questions.count} held-out questions (${report.questions.source}), every method on every question, interleaved question by question in rotating order.` +
      (report.calibration
        ? ` Searches on ${report.calibration.count} calibration questions (${report.calibration.source}).`
        : ''),
  );
  if (report.interrupted) lines.push('', '**Interrupted**: rerun the same command to finish.');
  lines.push('', `Made ${report.createdAt} on ${machineLine(report)}.`, '');
  if (report.commands.length > 0) {
    lines.push('```sh', ...report.commands, '```', '');
  }
  const stages = report.stages;
  lines.push(
    `| method | accuracy [95%] | vs ${report.baseline}, points [95%] | ms per question | speedup [95%] | skipped (${stages.join(' / ')}) | tokens (${stages.join(' / ')}) | early exits (${stages.join(' / ')}) | parse failures |`,
  );
  lines.push('| --- | --- | --- | ---: | --- | --- | --- | --- | ---: |');
  for (const method of report.methods) lines.push(row(method, stages));
  lines.push('');
  for (const method of report.methods) {
    lines.push(`- **${method.name}**: ${method.description}${profileNote(method)}`);
  }
  const failed = report.methods.filter((m) => m.error);
  if (failed.length > 0) {
    lines.push('', '## Failures', '');
    for (const m of failed)
      lines.push(
        `- ${m.name} failed on question ${m.error?.questionId} after ${m.answered} answers: ${m.error?.message}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function machineLine(report: BenchReport): string {
  return Object.entries(report.machine)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function row(m: MethodReport, stages: readonly string[]): string {
  const status = m.status === 'ok' ? '' : ` (${m.status}, ${m.answered} answered)`;
  const accuracy = m.accuracy
    ? `${pct(m.accuracy.value)} [${pct(m.accuracy.lower)}, ${pct(m.accuracy.upper)}]`
    : '';
  const vs = m.vsBaseline
    ? `${signed(m.vsBaseline.difference.value)} [${signed(m.vsBaseline.difference.lower)}, ${signed(m.vsBaseline.difference.upper)}]`
    : '';
  const speedup = m.vsBaseline
    ? `${m.vsBaseline.speedup.value.toFixed(2)}x [${m.vsBaseline.speedup.lower.toFixed(2)}, ${m.vsBaseline.speedup.upper.toFixed(2)}]`
    : m.meanMs === null
      ? ''
      : '1.00x';
  const perStage = (f: (s: string) => string) => stages.map(f).join(' / ');
  return `| ${m.name}${status} | ${accuracy} | ${vs} | ${m.meanMs === null ? '' : m.meanMs.toFixed(0)} | ${speedup} | ${perStage((s) => String(m.profile.skipped[s] ?? 0))} | ${perStage((s) => (m.stages[s]?.meanTokens ?? 0).toFixed(1))} | ${perStage((s) => String(m.stages[s]?.earlyExits ?? 0))} | ${m.parseFailures} |`;
}

function profileNote(m: MethodReport): string {
  const exits = Object.entries(m.profile.earlyExit).filter(([, t]) => t !== null);
  const parts = [`KV policy ${m.profile.kvPolicy}`];
  const skips = Object.values(m.profile.skipped).some((k) => k > 0);
  if (skips)
    parts.push(
      m.profile.skipInPrefill ? 'skips in prefill and decoding' : 'skips in decoding only',
    );
  if (exits.length > 0)
    parts.push(`early exit at ${exits.map(([s, t]) => `${s} ${t}`).join(', ')}`);
  if (m.profile.searchedSpeedup !== null)
    parts.push(`search predicted ${m.profile.searchedSpeedup.toFixed(2)}x`);
  return ` (${parts.join('; ')}).`;
}
