import { InvalidArgumentError } from 'commander';
import * as core from '../core/params.js';

// The value parsers live with the parameter declarations in core/params.ts. Command files that still declare
// their flags with commander directly take them from here, wrapped so commander words a refused value as
// "option '<flags>' argument '<v>' is invalid. <message>".

/** A core value parser as a commander argument parser (same value schema for the pipeline schema). */
export function cliParser<F extends (v: string, prev?: never) => unknown>(parse: F): F {
  const wrapped = ((v: string, prev?: never) => {
    try {
      return parse(v, prev);
    } catch (e) {
      if (e instanceof core.InvalidValueError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  }) as F;
  const s = core.parserSchema(parse);
  return s ? core.describeParser(wrapped, s.schema, s.repeat ?? false) : wrapped;
}

export const { describeParser, parserSchema, checkedText } = core;
export const intAtLeast = (min: number) => cliParser(core.intAtLeast(min));
export const list = cliParser(core.list);
export const pairs = cliParser(core.pairs);
export const memorySize = cliParser(core.memorySize);
export const positiveNumber = cliParser(core.positiveNumber);
export const share = cliParser(core.share);
export const dbUrl = cliParser(core.dbUrl);
export type FlagSchema = core.ValueSchema;
