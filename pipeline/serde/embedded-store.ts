/**
 * The embedded schema store of the one-machine mode: Confluent's registry semantics in two tables
 * of a SQLite file, usually the file of the embedded event log (its tables are all prefixed
 * `schema_`, so they share the file without clashing).
 *
 * Compatibility is BACKWARD against the latest version of the subject, checked with avsc's resolver
 * (the same rules avsc applies when it decodes): the new schema, as reader, must be able to read
 * data written with the latest one. BACKWARD_TRANSITIVE, FORWARD and FULL are not offered.
 */
import Database from '../sqlite.js';
import type { Type } from 'avsc';
import { NotFoundError, RetriableError } from '../errors/index.js';
import { compactSchemaText, parseAvroSchema } from './avro.js';
import { IncompatibleSchemaError } from './errors.js';
import { backwardIncompatibility, type SchemaStore } from './schema-store.js';

/** Options for {@link createEmbeddedSchemaStore}. */
export interface EmbeddedSchemaStoreOptions {
  /**
   * An open database (the caller keeps ownership and closes it), or the path of a SQLite file to
   * open (created if missing, put in WAL mode, closed by `close()`).
   */
  readonly database: Database.Database | string;
  /** How long a write waits for another connection's lock on a file opened by path (ms, default 5000). */
  readonly busyTimeoutMs?: number;
}

/** One version of a subject. */
export interface SubjectVersion {
  readonly version: number;
  readonly id: number;
}

/** The embedded store, with what the SQLite tables add to the contract. */
export interface EmbeddedSchemaStore extends SchemaStore {
  /** Versions of `subject`, oldest first (empty when the subject does not exist). */
  versions(subject: string): SubjectVersion[];
}

const TABLES = `
  CREATE TABLE IF NOT EXISTS schema_definitions (
    id INTEGER PRIMARY KEY,
    schema TEXT NOT NULL UNIQUE
  );
  CREATE TABLE IF NOT EXISTS schema_subject_versions (
    subject TEXT NOT NULL,
    version INTEGER NOT NULL,
    schema_id INTEGER NOT NULL REFERENCES schema_definitions (id),
    PRIMARY KEY (subject, version),
    UNIQUE (subject, schema_id)
  );
`;

const COMPONENT = 'serde.embedded';

/** Opens (and creates, if needed) the schema tables in a SQLite database. */
export function createEmbeddedSchemaStore(options: EmbeddedSchemaStoreOptions): EmbeddedSchemaStore {
  const owned = typeof options.database === 'string';
  const db = typeof options.database === 'string' ? new Database(options.database) : options.database;
  if (owned) {
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
  }
  db.exec(TABLES);
  const description = `embedded schema store in ${db.name}`;

  const statements = {
    idOfSchema: db.prepare<[string], { id: number }>('SELECT id FROM schema_definitions WHERE schema = ?'),
    schemaOfId: db.prepare<[number], { schema: string }>('SELECT schema FROM schema_definitions WHERE id = ?'),
    insertSchema: db.prepare<[string]>('INSERT INTO schema_definitions (schema) VALUES (?)'),
    versionOf: db.prepare<[string, number], { version: number }>(
      'SELECT version FROM schema_subject_versions WHERE subject = ? AND schema_id = ?',
    ),
    latest: db.prepare<[string], { version: number; id: number }>(
      'SELECT version, schema_id AS id FROM schema_subject_versions WHERE subject = ? ORDER BY version DESC LIMIT 1',
    ),
    insertVersion: db.prepare<[string, number, number]>(
      'INSERT INTO schema_subject_versions (subject, version, schema_id) VALUES (?, ?, ?)',
    ),
    versions: db.prepare<[string], SubjectVersion>(
      'SELECT version, schema_id AS id FROM schema_subject_versions WHERE subject = ? ORDER BY version',
    ),
  };

  // Parsed schemas by id: ids never change meaning, so entries never go stale.
  const types = new Map<number, Type>();
  const typeOf = (id: number): Type => {
    let type = types.get(id);
    if (!type) {
      const row = statements.schemaOfId.get(id);
      if (!row) {
        throw new NotFoundError(`Schema id ${id} is not in the ${description}.`, {
          stage: 'serde',
          component: COMPONENT,
        });
      }
      type = parseAvroSchema(row.schema, `schema with id ${id}`);
      types.set(id, type);
    }
    return type;
  };

  const registerInTransaction = db.transaction((subject: string, text: string, reader: Type): number => {
    const known = statements.idOfSchema.get(text)?.id;
    if (known !== undefined && statements.versionOf.get(subject, known)) return known;
    const latest = statements.latest.get(subject);
    const reason = latest && backwardIncompatibility(reader, typeOf(latest.id));
    if (latest && reason !== undefined) {
      throw new IncompatibleSchemaError(
        `Schema for subject "${subject}" is not BACKWARD compatible with its latest version ` +
          `(version ${latest.version}, id ${latest.id}) in the ${description}: ${reason}. ` +
          'Give new fields a default, keep field types readable from the old ones, or publish a new topic version.',
        { subject, reason },
        { stage: 'serde', component: COMPONENT },
      );
    }
    const id = known ?? Number(statements.insertSchema.run(text).lastInsertRowid);
    statements.insertVersion.run(subject, (latest?.version ?? 0) + 1, id);
    types.set(id, reader);
    return id;
  });

  return {
    description,

    async register(subject, schema) {
      const text = compactSchemaText(schema);
      const reader = parseAvroSchema(text, `schema for subject "${subject}"`);
      try {
        return registerInTransaction.immediate(subject, text, reader);
      } catch (error) {
        throw busyAsRetriable(error, description);
      }
    },

    async checkCompatibility(subject, schema) {
      const reader = parseAvroSchema(schema, `schema for subject "${subject}"`);
      const latest = statements.latest.get(subject);
      const reason = latest && backwardIncompatibility(reader, typeOf(latest.id));
      return reason === undefined
        ? { compatible: true }
        : { compatible: false, reason: `not BACKWARD compatible with version ${latest?.version}: ${reason}` };
    },

    async typeById(id) {
      return typeOf(id);
    },

    async latestId(subject) {
      const latest = statements.latest.get(subject);
      if (!latest) {
        throw new NotFoundError(`Subject "${subject}" has no schema in the ${description}.`, {
          stage: 'serde',
          component: COMPONENT,
        });
      }
      return latest.id;
    },

    versions(subject) {
      return statements.versions.all(subject);
    },

    async close() {
      if (owned && db.open) db.close();
    },
  };
}

/** Another connection holding the write lock past the busy timeout is transient. */
function busyAsRetriable(error: unknown, description: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
    return new RetriableError(`The ${description} is locked by another connection (${code}).`, {
      stage: 'serde',
      component: COMPONENT,
      cause: error,
    });
  }
  return error;
}
