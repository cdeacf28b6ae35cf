import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "./connection";
import { migrationsFolder } from "./migrations-folder";
import { rowsOf } from "./raw-rows";

/** Rows per INSERT statement: few statements to parse, none too large to hold. */
const ROWS_PER_INSERT = 500;

export interface DumpSummary {
  tables: number;
  rows: number;
}

interface Table {
  oid: number;
  schema: string;
  name: string;
}

/**
 * Writes the database as a plain SQL script that `psql` restores into an empty PostgreSQL 15 or
 * later, in one transaction. The schema is the committed migrations themselves, the SQL that
 * built this database and that the project runs on PostgreSQL 15 in its tests, so the script
 * holds nothing a newer server (PGlite is PostgreSQL 18) would write for itself; then every row
 * of every table, parents before children, and where each sequence stands. The migrations the
 * database has applied are rows like any other, so the restored one migrates on as usual.
 */
export async function writeSqlDump(db: Database, write: (text: string) => Promise<void> | void): Promise<DumpSummary> {
  await write("-- A dump of a Seed database. Restore into an empty database:\n");
  await write("--   psql -v ON_ERROR_STOP=1 --single-transaction -f <this file> <database url>\n");
  await write("SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n");
  for (const migration of await committedMigrations()) await write(`${migration.trim()}\n\n`);
  // What drizzle's migrator creates on its first run, so that its record of migrations comes along.
  await write("CREATE SCHEMA IF NOT EXISTS drizzle;\n");
  await write(
    "CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);\n\n",
  );

  let rows = 0;
  const tables = await tablesParentsFirst(db);
  for (const table of tables) {
    const columns = await insertableColumns(db, table.oid);
    const target = `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)} (${columns.map(quoteIdentifier).join(", ")})`;
    // Postgres writes each row's literals itself, so every type is quoted as it reads it back.
    const literals = sql.join(
      columns.map((column) => sql`quote_nullable(${sql.identifier(column)})`),
      sql.raw(", "),
    );
    const values = await rowsOf<{ row: string }>(
      db,
      sql`select '(' || concat_ws(', ', ${literals}) || ')' as row from ${sql.identifier(table.schema)}.${sql.identifier(table.name)}`,
    );
    for (let start = 0; start < values.length; start += ROWS_PER_INSERT) {
      const batch = values.slice(start, start + ROWS_PER_INSERT).map((value) => value.row);
      await write(`INSERT INTO ${target} OVERRIDING SYSTEM VALUE VALUES\n${batch.join(",\n")};\n`);
    }
    rows += values.length;
  }

  const sequences = await rowsOf<{ name: string; last_value: string | null }>(
    db,
    sql`select format('%I.%I', schemaname, sequencename) as name, last_value from pg_sequences where last_value is not null`,
  );
  for (const sequence of sequences) {
    await write(`SELECT pg_catalog.setval(${quoteLiteral(sequence.name)}, ${BigInt(sequence.last_value!)}, true);\n`);
  }
  return { tables: tables.length, rows };
}

async function committedMigrations(): Promise<string[]> {
  const journal = JSON.parse(await readFile(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return Promise.all(journal.entries.map(({ tag }) => readFile(join(migrationsFolder, `${tag}.sql`), "utf8")));
}

/** The user tables, each after every table its foreign keys point to. */
async function tablesParentsFirst(db: Database): Promise<Table[]> {
  const tables = await rowsOf<Table>(
    db,
    sql`select c.oid::int as oid, n.nspname as schema, c.relname as name
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
          and n.nspname not like 'pg\\_%'
        order by n.nspname, c.relname`,
  );
  const references = await rowsOf<{ child: number; parent: number }>(
    db,
    sql`select conrelid::int as child, confrelid::int as parent from pg_constraint where contype = 'f'`,
  );
  const ordered: Table[] = [];
  const placed = new Set<number>();
  const place = (table: Table) => {
    if (placed.has(table.oid)) return;
    placed.add(table.oid);
    for (const { parent } of references.filter((reference) => reference.child === table.oid)) {
      const parentTable = tables.find((candidate) => candidate.oid === parent);
      if (parentTable) place(parentTable);
    }
    ordered.push(table);
  };
  tables.forEach(place);
  return ordered;
}

/** Columns a row can be written into: generated ones are computed again on restore. */
async function insertableColumns(db: Database, table: number): Promise<string[]> {
  const columns = await rowsOf<{ name: string }>(
    db,
    sql`select attname as name from pg_attribute
        where attrelid = ${table} and attnum > 0 and not attisdropped and attgenerated = ''
        order by attnum`,
  );
  return columns.map((column) => column.name);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
