import type { OutputSet } from '../io/outputs.js';

/** Output sets opened by commands: a command that fails leaves its staged files to {@link abortOutputs}. */
const pending = new Set<OutputSet>();

/** Remember an output set opened by a command, until {@link abortOutputs}. */
export function trackOutputs(set: OutputSet): void {
  pending.add(set);
}

/** Remove the staged files of every output set not committed (after a command failed). */
export async function abortOutputs(): Promise<void> {
  for (const set of pending) await set.abort();
  pending.clear();
}
