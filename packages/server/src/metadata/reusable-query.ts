/**
 * Hot read queries compiled once instead of on every call. kysely builds a query's operation
 * tree, freezes it and compiles it to SQL each time it runs: for a one-row lookup that costs
 * as much CPU as SQLite's execution of it (a profile of whoami and an image's metadata put
 * query building at ~15 % of the request). `reusableQuery(db, build)` calls `build` once per
 * shape (the lengths of its list arguments) with placeholder values, remembers where each
 * placeholder lands among the compiled parameters, and afterwards runs that SQL with the
 * call's own values. `build` must use its arguments only as values (never to choose the
 * query's shape): a placeholder that does not come out as a parameter is refused at once (one
 * argument may be used in several places). Queries whose shape depends on more than list
 * lengths (which filters a listing has, its order) use `reusableQueries`: one reusable query
 * per shape named by the caller.
 */
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';

type Scalar = string | number | null;
export type QueryArgument = Scalar | readonly Scalar[];
type Argument = QueryArgument;

/** Shapes kept per query; a query with ever new list lengths starts again empty past this. */
const MAX_SHAPES = 256;

interface Template {
  readonly compiled: CompiledQuery;
  /** For each compiled parameter: [argument, element] of the call's value, or a constant. */
  readonly slots: ReadonlyArray<readonly [number, number] | { readonly constant: unknown }>;
}

const placeholder = (argument: number, element: number) => `\u0000repoman-parameter-${argument}-${element}\u0000`;

function compileTemplate<A extends readonly Argument[]>(build: (...args: A) => Compilable<unknown>, args: A): Template {
  const stand = args.map((value, i) => (Array.isArray(value) ? value.map((_, j) => placeholder(i, j)) : placeholder(i, -1))) as unknown as A;
  const compiled = build(...stand).compile();
  const positions = new Map<unknown, readonly [number, number]>();
  args.forEach((value, i) => {
    if (Array.isArray(value)) value.forEach((_, j) => positions.set(placeholder(i, j), [i, j]));
    else positions.set(placeholder(i, -1), [i, -1]);
  });
  const slots = compiled.parameters.map((parameter) => positions.get(parameter) ?? { constant: parameter });
  const used = new Set(slots.filter((slot) => Array.isArray(slot)));
  if (used.size !== positions.size || compiled.sql.includes('\u0000')) {
    throw new Error(`reusableQuery: each argument must be a parameter of the query (${compiled.sql})`);
  }
  return { compiled, slots };
}

/** What runs a compiled query: a `Kysely` instance (not a transaction: these are reads on their own). */
interface Executor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

export function reusableQuery<A extends readonly Argument[], R>(
  db: Executor,
  build: (...args: A) => Compilable<R>,
): (...args: A) => Promise<R[]> {
  const templates = new Map<string, Template>();
  return async (...args) => {
    const shape = args.map((value) => (Array.isArray(value) ? value.length : '-')).join(',');
    let template = templates.get(shape);
    if (template === undefined) {
      template = compileTemplate(build, args);
      if (templates.size >= MAX_SHAPES) templates.clear();
      templates.set(shape, template);
    }
    const parameters = template.slots.map((slot) => {
      if (!Array.isArray(slot)) return (slot as { constant: unknown }).constant;
      const [i, j] = slot as readonly [number, number];
      const value = args[i];
      return j === -1 ? value : (value as readonly Scalar[])[j];
    });
    const result = await db.executeQuery<R>({ ...template.compiled, parameters } as CompiledQuery<R>);
    return result.rows;
  };
}

/**
 * `reusableQuery` for a family of queries whose shape the caller names: `build(shape)` gives
 * the builder of that shape (called once per shape), and each call runs the query of its
 * shape with its own values. The shape must say everything `build` decides from (which
 * filters are given, the order), so that the values are only values. Past MAX_SHAPES shapes
 * the family starts again empty.
 */
export function reusableQueries<A extends readonly Argument[], R>(
  db: Executor,
  build: (shape: string) => (...args: A) => Compilable<R>,
): (shape: string, ...args: A) => Promise<R[]> {
  const queries = new Map<string, (...args: A) => Promise<R[]>>();
  return (shape, ...args) => {
    let query = queries.get(shape);
    if (query === undefined) {
      query = reusableQuery(db, build(shape));
      if (queries.size >= MAX_SHAPES) queries.clear();
      queries.set(shape, query);
    }
    return query(...args);
  };
}
