import { applyCleanModel } from '../clean/clean.js';
import { cleanModelKind, type CleanModel } from '../clean/clean-model.js';
import type { ChainEntry, InputColumn } from '../core/chain.js';
import type { SavedModelKind } from '../core/model-kind.js';
import { cleanSql, selectSql, type SqlChainContext } from '../sql/chain-sql.js';
import { applySelectModel, selectModelKind, type SelectModel } from '../select/select-model.js';

/** A kind of fitted step a chain records (`segment.chain` metadata, a model's `chain`): replayable, maybe as SQL. */
export type ChainStepKind<M> = SavedModelKind<M, SqlChainContext> & {
  stage: string;
  apply: NonNullable<SavedModelKind<M, SqlChainContext>['apply']>;
};

/** clean: replayed keeping every row; SQL for every step but KNN imputation and isolation-forest flags. */
const clean: ChainStepKind<CleanModel> = {
  ...cleanModelKind,
  apply: (model, data, env) => applyCleanModel(data, model, { dropRows: false, pool: env.pool }),
  toSql: cleanSql,
  inputColumns: cleanInputColumns,
};

/** select: the filters' drops and PCA. */
const select: ChainStepKind<SelectModel> = {
  ...selectModelKind,
  apply: (model, data) => Promise.resolve(applySelectModel(data, model)),
  toSql: selectSql,
  inputColumns: (m) => (m.features ?? []).map((name) => ({ name, kind: 'numeric' as const })),
};

/**
 * The registry of chain step kinds, by stage name: chain replay (`model/score.ts`), chain checks
 * (`model/bundle.ts`, `predict/model.ts`) and SQL export (`export/sql.ts`) look each entry's stage up here. A new
 * step kind is one more line.
 */
const chainStepKinds: ReadonlyMap<string, ChainStepKind<unknown>> = new Map<string, ChainStepKind<unknown>>([
  [clean.stage, clean],
  [select.stage, select],
]);

/** The step kind of a chain entry's stage, or undefined for a stage this build does not know. O(1). */
export function chainStepKind(stage: string): ChainStepKind<unknown> | undefined {
  return chainStepKinds.get(stage);
}

/**
 * Check the fitted stages a model carries as their own loaders do (format, version, content hash when present,
 * structure), each named `<source> (chain stage k)` in messages. Stages of kinds this build does not know are left
 * to the consumer (score prepared data). O(chain size).
 * @throws DataError for a malformed or edited stage model.
 */
export function checkChain(chain: readonly ChainEntry[] | undefined, source: string): void {
  (chain ?? []).forEach((entry, k) => {
    chainStepKind(entry.stage)?.load(entry.model, `${source} (chain stage ${k + 1})`);
  });
}

/**
 * The columns raw input must have when a clean model is the first stage: its features, encoded and validated
 * columns, with their kinds as seen in training (read from the recorded model, unchecked). O(columns).
 */
function cleanInputColumns(m: CleanModel): InputColumn[] {
  const seen = new Map((m.input?.columns ?? []).map((c) => [c.name, c]));
  const names: string[] = [];
  const add = (n: string): void => {
    if (!names.includes(n)) names.push(n);
  };
  for (const f of m.features ?? []) add(f);
  for (const s of m.steps ?? []) {
    if (s.step === 'encode') for (const c of s.columns) add(c.name);
    else if (s.step === 'validate') for (const r of s.rules) add(r.column);
  }
  return names.map((name) => {
    const c = seen.get(name);
    return c?.kind === 'numeric' || c === undefined
      ? { name, kind: 'numeric' as const }
      : { name, kind: c.kind === 'categorical' ? ('categorical' as const) : ('string' as const) };
  });
}
