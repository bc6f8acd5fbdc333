import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  describeParser,
  InvalidValueError,
  paramDefault,
  paramKind,
  parserSchema,
  type Param,
} from '../core/params.js';

/** A commander option stored under the parameter's declared property name (`--algo` → `algorithm`). */
class NamedOption extends Option {
  constructor(
    flags: string,
    help: string,
    private readonly attr: string,
  ) {
    super(flags, help);
  }
  override attributeName(): string {
    return this.attr;
  }
}

/** The commander option of a declared parameter: same flags, help, choices, default and value checks. */
export function optionOf(p: Param): Option {
  const o = p.attr ? new NamedOption(p.flags, p.help, p.attr) : new Option(p.flags, p.help);
  if (p.choices) o.choices(p.choices);
  if (p.parse && !p.choices) {
    const parse = p.parse as (v: string, prev?: unknown) => unknown;
    const wrapped = (v: string, prev: unknown) => {
      try {
        return parse(v, prev);
      } catch (e) {
        // commander words it "option '<flags>' argument '<v>' is invalid. <message>"
        if (e instanceof InvalidValueError) throw new InvalidArgumentError(e.message);
        throw e;
      }
    };
    // Keep the parser's value schema: the pipeline schema reads it from the option.
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
