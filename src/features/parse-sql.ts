import { DataError } from '../core/errors.js';
import { sqlIdent, sqlString } from '../io/duckdb.js';

/** Roles of the event-log columns and their DuckDB types as read. */
export interface ParseColumns {
  id: { name: string; type: string };
  time: { name: string; type: string };
  amount?: { name: string; type: string } | undefined;
  event?: { name: string; type: string } | undefined;
  session?: { name: string; type: string } | undefined;
}

/** DuckDB's numeric column types (a time column of one holds epoch numbers). */
export const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DOUBLE|FLOAT|REAL|DECIMAL.*)$/i;

/** DuckDB expressions turning the time column into a TIMESTAMPTZ: a fast first try, and the rest. */
export interface TimestampSql {
  /** Tried on every row. */
  first: string;
  /** Tried only on rows where `first` gave NULL (`null` when there is nothing else to try). */
  fallback: string | null;
}

/**
 * How to read the time column, by its type (NULL when a value cannot be read): text tries the `formats` given
 * (strptime) first, then ISO-8601 and what DuckDB's cast reads (date, date and time with `T` or space,
 * fractions, `Z` / `±hh:mm` / `±hhmm` offsets, zone names, `YYYY/MM/DD`), RFC 2822 (`Wed, 21 Oct 2026 12:56:59
 * +0000` or `GMT`), then Unix epochs (10 digits: seconds, 13 digits: milliseconds); numbers are Unix epochs
 * (milliseconds when ≥ 1e11, i.e. after 1973 in milliseconds); dates and timestamps are used as they are.
 * Values without an offset are local times in the connection's `TimeZone`. `ref` is the SQL expression of the
 * column's values.
 * @throws DataError for a column type that cannot hold times.
 */
export function timestampSql(
  ref: string,
  col: { name: string; type: string },
  formats: readonly string[],
  source: string,
): TimestampSql {
  const c = ref;
  const type = col.type.toUpperCase();
  if (type === 'VARCHAR') {
    const x = `trim(${c})`;
    const user = formats.map((f) => `CAST(try_strptime(${c}, ${sqlString(f)}) AS TIMESTAMPTZ)`);
    const rest = [
      `TRY_CAST(${x} AS TIMESTAMPTZ)`,
      `try_strptime(${x}, '%a, %d %b %Y %H:%M:%S %z')`,
      `try_strptime(${x}, '%a, %d %b %Y %H:%M:%S %Z')`,
      `CASE WHEN regexp_full_match(${x}, '[0-9]{9,10}(\\.[0-9]+)?') THEN to_timestamp(CAST(${x} AS DOUBLE)) ` +
        `WHEN regexp_full_match(${x}, '[0-9]{12,13}') THEN to_timestamp(CAST(${x} AS DOUBLE) / 1000) END`,
    ];
    // User formats come first so that they win over the ISO reading; otherwise the plain cast, which reads
    // almost every real log, runs alone on the fast path.
    if (user.length > 0)
      return {
        first: `COALESCE(${user.join(', ')})`,
        fallback: `COALESCE(TRY_CAST(${c} AS TIMESTAMPTZ), ${rest.join(', ')})`,
      };
    return { first: `TRY_CAST(${c} AS TIMESTAMPTZ)`, fallback: `COALESCE(${rest.join(', ')})` };
  }
  if (type === 'TIMESTAMP WITH TIME ZONE' || type === 'TIMESTAMPTZ') return { first: c, fallback: null };
  if (type.startsWith('TIMESTAMP') || type === 'DATE')
    return { first: `CAST(${c} AS TIMESTAMPTZ)`, fallback: null };
  if (NUMERIC.test(type)) {
    return {
      first: `CASE WHEN abs(CAST(${c} AS DOUBLE)) >= 1e11 THEN to_timestamp(CAST(${c} AS DOUBLE) / 1000) ELSE to_timestamp(CAST(${c} AS DOUBLE)) END`,
      fallback: null,
    };
  }
  throw new DataError(
    `${source}: column '${col.name}' (--time) is ${col.type}, which does not hold times`,
    'point --time at a timestamp, date, text or epoch-number column',
  );
}

/**
 * The statement materialising the parsed event log as table `table`, one row per input row in input order (so
 * `rowid + 1` is the data row number): `id` (blank text → NULL), `t` (BIGINT epoch microseconds, NULL when the
 * time is missing or unreadable), `d` (DATE, calendar day in the connection's time zone), `event`, `amount`
 * (DOUBLE, NULL when blank), `session`, and the original text of unreadable values in `bad_time` and
 * `bad_amount` (NULL otherwise). O(n) in the engine.
 * @throws DataError for an id, amount or time column of an unusable type.
 */
export function parseTableSql(
  table: string,
  relation: string,
  cols: ParseColumns,
  formats: readonly string[],
  source: string,
  numbers: { decimal: '.' | ','; thousands: string | undefined } = { decimal: '.', thousands: undefined },
): string {
  const idType = cols.id.type.toUpperCase();
  if (!(idType === 'VARCHAR' || NUMERIC.test(idType) || idType === 'UUID' || idType === 'BOOLEAN')) {
    throw new DataError(
      `${source}: column '${cols.id.name}' (--id) is ${cols.id.type}; expected text or numbers`,
    );
  }
  const id =
    idType === 'VARCHAR'
      ? `NULLIF(CAST(${sqlIdent(cols.id.name)} AS VARCHAR), '')`
      : idType === 'UUID'
        ? `CAST(${sqlIdent(cols.id.name)} AS VARCHAR)`
        : sqlIdent(cols.id.name);
  const time = timestampSql(sqlIdent(cols.time.name), cols.time, formats, source);
  const fallback = timestampSql('time_raw', cols.time, formats, source).fallback;
  const inner = [`${id} AS id`, `${time.first} AS ts0`, `${sqlIdent(cols.time.name)} AS time_raw`];
  const middle = [
    'id',
    fallback === null ? 'ts0 AS ts' : `CASE WHEN ts0 IS NOT NULL THEN ts0 ELSE ${fallback} END AS ts`,
    'time_raw',
  ];
  const outer = [
    'id',
    'CASE WHEN isfinite(ts) THEN epoch_us(ts) END AS t',
    'CASE WHEN isfinite(ts) THEN CAST(ts AS DATE) END AS d',
  ];
  if (cols.event) {
    inner.push(`NULLIF(CAST(${sqlIdent(cols.event.name)} AS VARCHAR), '') AS event`);
    middle.push('event');
    outer.push('event');
  }
  if (cols.amount) {
    const a = sqlIdent(cols.amount.name);
    const type = cols.amount.type.toUpperCase();
    // Amounts written with a decimal comma or thousands separators (--decimal, --thousands): the same grammar as the
    // file reader's NumberParser (separators only between groups of three digits), then normalised.
    let text = `trim(${a})`;
    if (numbers.thousands !== undefined || numbers.decimal === ',') {
      const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const d = esc(numbers.decimal);
      const int = numbers.thousands ? `(\\d{1,3}(${esc(numbers.thousands)}\\d{3})+|\\d+)` : '\\d+';
      const grammar = `[+-]?(${int}(${d}\\d*)?|${d}\\d+)([eE][+-]?\\d+)?`;
      let norm = text;
      if (numbers.thousands !== undefined) norm = `replace(${norm}, ${sqlString(numbers.thousands)}, '')`;
      if (numbers.decimal === ',') norm = `replace(${norm}, ',', '.')`;
      text = `CASE WHEN regexp_full_match(${text}, ${sqlString(grammar)}) THEN ${norm} END`;
    }
    if (type === 'VARCHAR') inner.push(`TRY_CAST(${text} AS DOUBLE) AS amount_num`, `${a} AS amount_raw`);
    else if (NUMERIC.test(type)) inner.push(`CAST(${a} AS DOUBLE) AS amount_num`, `${a} AS amount_raw`);
    else {
      throw new DataError(
        `${source}: column '${cols.amount.name}' (--amount) is ${cols.amount.type}, not numbers`,
        'point --amount at a numeric column',
      );
    }
    middle.push('amount_num', 'amount_raw');
    outer.push(
      'CASE WHEN isfinite(amount_num) THEN amount_num END AS amount',
      `CASE WHEN amount_num IS NULL OR NOT isfinite(amount_num) THEN NULLIF(trim(CAST(amount_raw AS VARCHAR)), '') END AS bad_amount`,
    );
  }
  if (cols.session) {
    inner.push(`NULLIF(CAST(${sqlIdent(cols.session.name)} AS VARCHAR), '') AS session`);
    middle.push('session');
    outer.push('session');
  }
  outer.push(
    `CASE WHEN ts IS NULL OR NOT isfinite(ts) THEN NULLIF(trim(CAST(time_raw AS VARCHAR)), '') END AS bad_time`,
  );
  return (
    `CREATE TEMP TABLE ${table} AS SELECT ${outer.join(', ')} FROM ` +
    `(SELECT ${middle.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${relation}))`
  );
}
