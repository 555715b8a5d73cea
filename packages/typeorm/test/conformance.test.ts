/**
 * The full conformance suite on every supported engine: real PostgreSQL (own schema), real
 * MariaDB (own database), sql.js in memory and sql.js persisted to a file.
 */
import { runConformanceSuite } from '@roomlog/conformance';
import type { DataSource } from 'typeorm';
import { RoomlogMessageRow, createTypeormStore } from '../src/index';
import { streamHash } from '../src/keys';
import { type Engine, mariadbEngine, postgresEngine, sqljsEngine, sqljsFileEngine } from './fixtures';

/**
 * Runs the suite on one engine. Stores alternate between two DataSources (two connection
 * pools, as two nodes would have) where the engine has a server; sql.js has one database.
 */
function suiteOn(name: string, makeEngine: () => Engine | Promise<Engine>): void {
  let engine: Promise<Engine> | null = null;
  let nodes: Promise<DataSource[]> | null = null;
  let created = 0;
  const dataSources = () =>
    (nodes ??= (async () => {
      const e = await (engine ??= Promise.resolve(makeEngine()));
      return [await e.open(), await e.open()];
    })());
  runConformanceSuite({
    name,
    async create(options) {
      const all = await dataSources();
      return createTypeormStore(all[created++ % all.length]!, options);
    },
    async cleanup() {
      if (engine) await (await engine).cleanup();
    },
    inspect: {
      async storedCount(stream) {
        const [dataSource] = await dataSources();
        return dataSource!.getRepository(RoomlogMessageRow).countBy({ streamKey: streamHash(stream.namespace, stream.room) });
      },
    },
  });
}

suiteOn('typeorm: postgres', postgresEngine);
suiteOn('typeorm: mariadb', mariadbEngine);
suiteOn('typeorm: sqljs (memory)', sqljsEngine);
suiteOn('typeorm: sqljs (file)', sqljsFileEngine);
