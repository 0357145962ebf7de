import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@litestage/tasks/node';
import {
  type CheckpointStore,
  type SearchCheckpoint,
  validateCheckpoint,
} from '../search-checkpoint.js';

/** Keeps a search checkpoint in a JSON file, written atomically. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(readonly path: string) {}

  get location(): string {
    return this.path;
  }

  async load(): Promise<SearchCheckpoint | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return validateCheckpoint(undefined, this.path);
    }
    return validateCheckpoint(json, this.path);
  }

  async save(checkpoint: SearchCheckpoint): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(checkpoint));
  }
}
