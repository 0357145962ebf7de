import { BackendResolutionError } from '@litestage/core';
import { demoBundleDir } from '@litestage/demo-model';
import { LiteStageError } from '@litestage/errors';
import { createWorld, generateSyntheticQuestions, TaskFormatError } from '@litestage/tasks';
import { describe, expect, it } from 'vitest';
import {
  AUTO_DEVICE_ORDER,
  describeDeviceChoice,
  diagnoseDevices,
  openRuntime,
  RuntimeOptionError,
} from './index.js';

describe('openRuntime', () => {
  it('opens the demo reasoner and answers a held-out question at full depth', async () => {
    const runtime = await openRuntime({ bundle: demoBundleDir(), task: 'synthetic', threads: 1 });
    try {
      expect(runtime.device).toBe('cpu');
      expect(runtime.deviceChoice).toEqual({ requested: 'cpu', device: 'cpu', passedOver: [] });
      expect(runtime.session.executionProvider).toBe('cpu');
      expect(runtime.format.id).toBe('synthetic');
      expect(runtime.manifest.numLayers).toBeGreaterThan(0);
      const [question] = generateSyntheticQuestions(createWorld(), { split: 'test', count: 1 });
      if (!question) throw new Error('no question generated');
      const result = await runtime.createEngine().run({
        id: question.id,
        question: question.question,
        options: question.options,
        answer: question.answer,
      });
      expect(result.stages.map((s) => s.name)).toEqual(['recall', 'analyze', 'summarize']);
      expect(result.stages.every((s) => s.skipped.length === 0)).toBe(true);
      expect(result.correct).toBe(true);
      expect(runtime.fullDepthProfile().model.fingerprint).toBe(runtime.manifest.fingerprint);
    } finally {
      await runtime.dispose();
    }
  });

  it('refuses an unknown task before reading the bundle', async () => {
    const opening = openRuntime({ bundle: '/nonexistent/bundle', task: 'no-such-task' });
    await expect(opening).rejects.toBeInstanceOf(TaskFormatError);
    await expect(opening).rejects.toThrow(/unknown task format "no-such-task".*tinythinker/);
  });

  it('refuses an unknown device and a bad thread count with errors a user can act on', async () => {
    const device = openRuntime({ bundle: demoBundleDir(), device: 'tpu' as 'cpu' });
    await expect(device).rejects.toBeInstanceOf(RuntimeOptionError);
    await expect(device).rejects.toThrow('unknown device "tpu" (devices: auto, cpu, cuda, webgpu)');
    const threads = openRuntime({ bundle: demoBundleDir(), threads: -1 });
    await expect(threads).rejects.toBeInstanceOf(LiteStageError);
    await expect(threads).rejects.toThrow(/threads must be an integer >= 0/);
  });

  it('auto runs on the first device the probes find usable and says why it passed the others over', async () => {
    const report = await diagnoseDevices();
    expect(report.devices.map((d) => d.device)).toEqual(AUTO_DEVICE_ORDER);
    expect(report.devices.at(-1)).toEqual({ device: 'cpu', usable: true });
    const runtime = await openRuntime({ bundle: demoBundleDir(), device: 'auto', threads: 1 });
    try {
      expect(runtime.device).toBe(report.auto);
      expect(runtime.session.executionProvider).toBe(report.auto);
      const before = report.devices.slice(0, AUTO_DEVICE_ORDER.indexOf(runtime.device));
      expect(runtime.deviceChoice.passedOver.map((f) => f.backend)).toEqual(
        before.map((d) => d.device),
      );
      const line = describeDeviceChoice(runtime.deviceChoice);
      expect(line).not.toContain('\n');
      expect(line).toMatch(new RegExp(`^device auto: running on ${runtime.device}`));
      for (const d of before)
        if (!d.usable) expect(line).toContain(`${d.device} unusable: ${d.reason}`);
    } finally {
      await runtime.dispose();
    }
  });

  it('fails on an explicit device that cannot load with one line and a hint', async () => {
    const report = await diagnoseDevices();
    for (const status of report.devices) {
      if (status.usable) continue;
      const error = await openRuntime({ bundle: demoBundleDir(), device: status.device }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackendResolutionError);
      expect((error as Error).message).toBe(
        `backend ${status.device} is unusable: ${status.reason}`,
      );
      expect((error as Error).message).not.toContain('\n');
      expect((error as BackendResolutionError).hint).toBe(status.hint);
      if (status.device === 'cuda')
        expect(status.hint).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|LD_LIBRARY_PATH/);
      if (status.device === 'webgpu') expect(status.reason).toMatch(/WebGPU/);
    }
  });

  it('lists every execution provider onnxruntime-node has, with the versions', async () => {
    const report = await diagnoseDevices();
    const names = report.executionProviders.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['cpu']));
    expect(report.executionProviders.find((p) => p.name === 'cpu')).toEqual({
      name: 'cpu',
      bundled: true,
      used: true,
    });
    expect(report.versions.node).toBe(process.versions.node);
    expect(report.versions['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.platform).toBe(`${process.platform}/${process.arch}`);
  });

  it('reports a missing bundle folder as a LiteStageError', async () => {
    await expect(openRuntime({ bundle: '/nonexistent/bundle' })).rejects.toBeInstanceOf(
      LiteStageError,
    );
  });
});
