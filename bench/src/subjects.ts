/**
 * What is measured: plain Socket.IO, Socket.IO's own Connection State Recovery (the peer a
 * user would pick instead of Roomlog), and Roomlog on each backend.
 */

/** Roomlog backends the bench knows how to set up. */
export type BackendId = 'memory' | 'redis' | 'postgres' | 'mongo' | 'typeorm';

/** Every backend, in table order. */
export const BACKENDS: readonly BackendId[] = ['memory', 'redis', 'postgres', 'mongo', 'typeorm'];

/** How the Socket.IO server of a subject is set up. */
export type ServerMode = { kind: 'plain' } | { kind: 'csr' } | { kind: 'roomlog'; backend: BackendId };

/** One column of comparison: a server setup with a stable id and a human label. */
export interface Subject {
  id: string;
  label: string;
  mode: ServerMode;
}

/** Human name of a backend. FerretDB speaks the MongoDB protocol but is not MongoDB, so it says so. */
export function backendLabel(backend: BackendId): string {
  switch (backend) {
    case 'memory':
      return 'MemoryStore';
    case 'redis':
      return 'Redis';
    case 'postgres':
      return 'PostgreSQL';
    case 'mongo':
      return process.env.MONGODB_URL ? 'Mongo' : 'Mongo (FerretDB)';
    case 'typeorm':
      return 'TypeORM (PostgreSQL)';
  }
}

/** The subject id of Roomlog on `backend`. */
export function roomlogSubjectId(backend: BackendId): string {
  return `roomlog-${backend}`;
}

/** Every subject, baselines first. */
export const SUBJECTS: readonly Subject[] = [
  { id: 'plain', label: 'Socket.IO (plain relay)', mode: { kind: 'plain' } },
  { id: 'csr', label: 'Socket.IO CSR + redis-streams-adapter', mode: { kind: 'csr' } },
  ...BACKENDS.map(
    (backend): Subject => ({
      id: roomlogSubjectId(backend),
      label: `Roomlog / ${backendLabel(backend)}`,
      mode: { kind: 'roomlog', backend },
    }),
  ),
];
