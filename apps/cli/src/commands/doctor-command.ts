import { diagnoseDevices } from '@litestage/runtime';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './command-module.js';

interface DoctorFlags {
  json?: boolean;
}

export const doctorCommand: CommandModule = {
  name: 'doctor',
  register(program: Command, io: CliIo) {
    program
      .command('doctor')
      .description(
        'probe every device and execution provider (a tiny session on each) and print what runs here, with the runtime versions',
      )
      .option('--json', 'print one machine-readable report')
      .action(async (flags: DoctorFlags) => {
        const report = await diagnoseDevices();
        if (flags.json) {
          io.stdout(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const versions = Object.entries(report.versions)
          .map(([name, version]) => `${name} ${version}`)
          .join(', ');
        const lines = [
          `platform ${report.platform}; ${versions}`,
          'devices (the order of --device auto):',
        ];
        for (const status of report.devices) {
          lines.push(
            status.usable
              ? `  ${status.device}: usable`
              : `  ${status.device}: unusable: ${status.reason}`,
          );
          if (!status.usable && status.hint) lines.push(`    hint: ${status.hint}`);
        }
        lines.push(`  auto: ${report.auto ?? 'no usable device'}`);
        lines.push('execution providers of onnxruntime-node:');
        for (const provider of report.executionProviders) {
          const notes = [
            provider.bundled ? 'bundled' : 'libraries installed separately',
            provider.used ? null : 'not used by LiteStage',
          ].filter(Boolean);
          lines.push(`  ${provider.name}: ${notes.join(', ')}`);
        }
        io.stdout(`${lines.join('\n')}\n`);
      });
  },
};
