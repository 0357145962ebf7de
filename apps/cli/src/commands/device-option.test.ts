import { demoBundleDir } from '@litestage/demo-model';
import { type DeviceReport, diagnoseDevices } from '@litestage/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../test-utils/run-cli-captured.js';

const generate = (...extra: string[]) =>
  run(
    'generate',
    '--bundle',
    demoBundleDir(),
    '--prompt',
    'where does',
    '--max-new-tokens',
    '8',
    '--threads',
    '1',
    ...extra,
  );

describe('--device and litestage doctor', () => {
  let report: DeviceReport;
  beforeAll(async () => {
    report = await diagnoseDevices();
  });

  it('runs on the device auto finds and says in one line why it passed the others over', async () => {
    const onCpu = await generate('--device', 'cpu');
    expect(onCpu.code).toBe(0);
    expect(onCpu.err).toBe('');
    const auto = await generate('--device', 'auto');
    expect(auto.code).toBe(0);
    const lines = auto.err.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^litestage: device auto: running on ${report.auto}`));
    for (const status of report.devices) {
      if (status.device === report.auto) break;
      if (!status.usable) expect(lines[0]).toContain(`${status.device} unusable: ${status.reason}`);
    }
    // Greedy decoding gives the same text on every device (the graph is fp32 here).
    if (report.auto === 'cpu') expect(auto.out).toBe(onCpu.out);
  });

  it('fails on an explicit device that cannot load with one line and a hint', async () => {
    for (const status of report.devices) {
      if (status.usable) continue;
      const result = await generate('--device', status.device);
      expect(result).toEqual({
        code: 1,
        out: '',
        err: `litestage: backend ${status.device} is unusable: ${status.reason}\nlitestage: hint: ${status.hint}\n`,
      });
    }
    const cuda = report.devices.find((d) => d.device === 'cuda');
    if (cuda && !cuda.usable) {
      expect(cuda.hint).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 node .*script\/install\.js/);
      expect(cuda.hint).toContain('runtimes/linux-x64/native/');
    }
  });

  it('refuses an unknown device before opening anything', async () => {
    const result = await generate('--device', 'tpu');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "litestage: option '--device <name>' argument 'tpu' is invalid. expected one of auto, cpu, cuda, webgpu.\n",
    );
  });

  it('doctor lists every device, execution provider and runtime version', async () => {
    const text = await run('doctor');
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      `platform ${process.platform}/${process.arch}; node ${process.versions.node}`,
    );
    expect(text.out).toContain(`onnxruntime-node ${report.versions['onnxruntime-node']}`);
    for (const status of report.devices) {
      expect(text.out).toContain(
        status.usable
          ? `  ${status.device}: usable\n`
          : `  ${status.device}: unusable: ${status.reason}\n`,
      );
    }
    expect(text.out).toContain(`  auto: ${report.auto}\n`);
    for (const provider of report.executionProviders)
      expect(text.out).toMatch(new RegExp(`^  ${provider.name}: `, 'm'));
    const json = await run('doctor', '--json');
    expect(JSON.parse(json.out)).toEqual(report);
  });
});
