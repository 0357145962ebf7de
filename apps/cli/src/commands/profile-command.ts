import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  type Profile,
  ProfileError,
  parseProfile,
  profileJsonSchema,
  serializeProfile,
} from '@litestage/profile';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './command-module.js';

async function readProfileFile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `profile not found: ${file}`
        : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  return parseProfile(text, { source: file });
}

function describeProfile(profile: Profile): string {
  const stages = profile.task.stages
    .map((name) => `${name} ${profile.stages[name]?.skip.length ?? 0}`)
    .join(', ');
  return `${profile.model.name} (${profile.model.numLayers} layers), ${profile.task.format}; skipped sub-layers per stage: ${stages}`;
}

export const profileCommand: CommandModule = {
  name: 'profile',
  register(program: Command, io: CliIo) {
    const profile = program.command('profile').description('check, format and describe profiles');

    profile
      .command('validate')
      .description('check profiles against the schema and the rules between fields')
      .argument('<files...>', 'profile JSON files')
      .action(async (files: string[]) => {
        let failed = 0;
        for (const file of files) {
          try {
            io.stdout(`ok ${file}: ${describeProfile(await readProfileFile(file))}\n`);
          } catch (error) {
            if (!(error instanceof ProfileError) || files.length === 1) throw error;
            failed++;
            io.stderr(`litestage: ${error.message}\n`);
          }
        }
        if (failed > 0) throw new CliError(`${failed} of ${files.length} profiles are invalid`);
      });

    profile
      .command('format')
      .description('rewrite a profile in the canonical key order (validates it first)')
      .argument('<file>', 'profile JSON file, rewritten in place')
      .option('--check', 'only report whether the file is already formatted')
      .action(async (file: string, options: { check?: boolean }) => {
        const formatted = serializeProfile(await readProfileFile(file));
        const current = await readFile(file, 'utf8');
        if (options.check) {
          if (current !== formatted) throw new CliError(`${file} is not formatted`);
          io.stdout(`ok ${file}: formatted\n`);
          return;
        }
        if (current === formatted) return;
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, formatted);
        await rename(temporary, file);
        io.stdout(`formatted ${file}\n`);
      });

    profile
      .command('schema')
      .description('print the JSON Schema of profiles')
      .action(() => {
        io.stdout(`${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
      });
  },
};
