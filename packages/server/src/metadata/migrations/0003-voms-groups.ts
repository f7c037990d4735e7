/**
 * Migration 0003: groups that a virtual organisation joins by its VOMS attributes (SPEC §2.1).
 * `voms_fqans` holds the group's FQAN patterns as a JSON list of strings (`[]`: none; groups
 * are few and their patterns short, so a column is read with the group and needs no join);
 * `voms_auto_register` (0/1) lets an unknown DN with a matching FQAN become a user at first
 * login. Existing groups keep working unchanged: no patterns, no auto-registration.
 */
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function vomsGroupsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('groups').addColumn('voms_fqans', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('groups').addColumn('voms_auto_register', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: AnyDb) {
      await db.schema.alterTable('groups').dropColumn('voms_auto_register').execute();
      await db.schema.alterTable('groups').dropColumn('voms_fqans').execute();
    },
  };
}
