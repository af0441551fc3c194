import { rename, writeFile } from 'node:fs/promises';
import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file by writing a temporary sibling and renaming it over: readers never see half a file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

/** The synchronous twin, for the last write before a forced exit. */
export function writeFileAtomicSync(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
