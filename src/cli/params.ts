import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  InvalidValueError,
  describeParser,
  paramDefault,
  paramKind,
  parserSchema,
  type Param,
} from '../core/params.js';

/** The commander option of a declared parameter: same flags, help, choices, default and value checks. */
export function optionOf(p: Param): Option {
  const o = new Option(p.flags, p.help);
  if (p.choices) o.choices(p.choices);
  if (p.parse && !p.choices) {
    const parse = p.parse as (v: string, prev?: unknown) => unknown;
    const wrapped = (v: string, prev: unknown): unknown => {
      try {
        return parse(v, prev);
      } catch (e) {
        // commander words it "option '<flags>' argument '<v>' is invalid. <message>"
        if (e instanceof InvalidValueError) throw new InvalidArgumentError(e.message);
        throw e;
      }
    };
    // keep the value schema on the commander parser (the pipeline schema reads it from the options)
    const s = parserSchema(parse);
    o.argParser(s ? describeParser(wrapped, s.schema, s.repeat ?? false) : wrapped);
  }
  if (paramKind(p) !== 'negated' && p.default !== undefined) o.default(paramDefault(p));
  return o;
}

/** Add declared parameters to a command as its flags. */
export function addParams(cmd: Command, params: readonly Param[]): Command {
  for (const p of params) cmd.addOption(optionOf(p));
  return cmd;
}

/** The options of `cmd` the user set on the command line (attribute names). */
export function givenOptions(cmd: Command): Set<string> {
  const out = new Set<string>();
  for (const o of cmd.options) {
    const attr = o.attributeName();
    if (cmd.getOptionValueSource(attr) === 'cli') out.add(attr);
  }
  return out;
}
