import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { writeAtomic } from '../io/atomic.js';

/**
 * Publication of a run: moving its files from the staging folder into the output folder. Each move is a rename, so
 * each file is replaced whole; to make the whole set appear together even when the process is killed half-way, the
 * plan is first written as a journal in the staging folder, and a later run on the same folder (under the same
 * lock) finishes an interrupted publication before anything else: the folder then holds the interrupted run's files
 * and manifest, never a mix of two runs once a run has started again.
 */

/** File name of the publication journal inside the staging folder. */
export const journalName = '.publish.json';
const journalFormat = 'segment.publish';

/** What a publication does, in order: remove the previous run's files it does not replace, then move these in. */
export interface PublishPlan {
  /** Plain file names in the output folder to remove. */
  remove: string[];
  /** Plain file names in the staging folder to move into the output folder (the manifest last). */
  move: string[];
}

/** A file name a run publishes: no folder part, not hidden (so never `.`, `..` or the staging folder). */
const plainName = (f: unknown): f is string => typeof f === 'string' && /^[\w-][\w.-]*$/.test(f);

/** Output files listed by the manifest of the previous run in `dir` (plain names only), or none. O(outputs). */
export async function previousOutputs(dir: string): Promise<string[]> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      outputs?: { file?: unknown }[];
    };
    return (m.outputs ?? []).map((o) => o.file).filter(plainName);
  } catch {
    return [];
  }
}

/**
 * Write the journal, then carry the plan out. A kill at any point leaves the journal with the files still to move.
 * O(files).
 */
export async function publish(outDir: string, staging: string, plan: PublishPlan): Promise<void> {
  const text = JSON.stringify({ format: journalFormat, ...plan }, null, 2) + '\n';
  await writeAtomic(join(staging, journalName), (tmp) => writeFile(tmp, text));
  await carryOut(outDir, staging, plan);
}

async function carryOut(outDir: string, staging: string, plan: PublishPlan): Promise<void> {
  for (const f of plan.remove) await rm(join(outDir, f), { force: true });
  for (const f of plan.move) {
    // Moved before an interruption: nothing left in the staging folder.
    if (!(await stat(join(staging, f)).catch(() => null))) continue;
    await rename(join(staging, f), join(outDir, f));
  }
  await rm(join(staging, journalName), { force: true });
}

/**
 * Finish the publication a killed run left in `staging` (its journal is there), so the output folder holds that
 * run's files and manifest. Returns whether there was one. Call it holding the folder's lock. O(files).
 * @throws DataError when the journal is unreadable or names a path outside the folder.
 */
export async function resumePublish(outDir: string, staging: string, logger?: Logger): Promise<boolean> {
  const path = join(staging, journalName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return false;
  }
  let plan: Partial<PublishPlan> & { format?: unknown };
  try {
    plan = JSON.parse(text) as typeof plan;
  } catch {
    plan = {};
  }
  if (
    plan.format !== journalFormat ||
    !Array.isArray(plan.remove) ||
    !Array.isArray(plan.move) ||
    ![...plan.remove, ...plan.move].every(plainName)
  ) {
    throw new DataError(
      `${path}: an interrupted run's publication journal is damaged`,
      `check the files in ${outDir}, then remove ${staging}`,
    );
  }
  await carryOut(outDir, staging, { remove: plan.remove, move: plan.move });
  logger?.log('warn', `finished publishing the outputs of an interrupted run in ${outDir}`);
  return true;
}
