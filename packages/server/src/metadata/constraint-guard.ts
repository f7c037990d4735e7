/**
 * Turns the engine's constraint violations raised by a store operation into the store errors
 * of `store-errors.ts`: a unique violation into UniqueViolation, a foreign key violation (the
 * referenced row was deleted meanwhile, typically by another server instance) into
 * MissingReference. Each operation names what the violation means; violations it does not
 * expect pass through unchanged.
 */
import type { MetadataDialect } from './metadata-dialect.js';
import { MissingReference, UniqueViolation } from './store-errors.js';

export interface ConstraintMeanings {
  /** What "already exists" when a unique constraint is violated, e.g. "a group named x". */
  readonly unique?: string;
  /** What "no longer exists" when a foreign key is violated, e.g. "the image or the user". */
  readonly missing?: string;
}

export async function guardConstraints<T>(dialect: MetadataDialect, meanings: ConstraintMeanings, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (meanings.unique !== undefined && dialect.isUniqueViolation(error)) throw new UniqueViolation(meanings.unique, { cause: error });
    if (meanings.missing !== undefined && dialect.isForeignKeyViolation(error)) throw new MissingReference(meanings.missing, { cause: error });
    throw error;
  }
}
