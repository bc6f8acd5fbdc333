import type { Option } from 'commander';
import { type Command } from 'commander';
import { inputKindParam, inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import type { ReadOptions } from '../io/read.js';
import type { Context } from './context.js';
import { addParams, optionOf } from './params.js';

/** Options every command that reads a data file accepts. */
export type InputFlags = InputOptions;

/** Add the shared input flags to a command (worded the same everywhere). */
export function addInputOptions(cmd: Command): Command {
  return addParams(cmd, inputParams);
}

/** ReadOptions from the shared input flags. */
export function readOptionsFrom(flags: InputFlags, ctx: Context): ReadOptions {
  return readOptionsOf(flags, ctx);
}

/** `--input auto|raw|prepared` of the commands that score rows with a saved model. */
export function inputKindOption(): Option {
  return optionOf(inputKindParam);
}
