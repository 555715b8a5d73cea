import { atomicSqljsSave, createTypeormStore, roomlogEntities, roomlogMigrations } from '@roomlog/typeorm';
import { DataSource } from 'typeorm';

export async function openStore(file: string) {
  const dataSource = new DataSource({
    type: 'sqljs', // SQLite compiled to WebAssembly: one file, nothing to install or run
    location: file,
    autoSave: true, // the file is written after every commit, before a message is acknowledged
    autoSaveCallback: atomicSqljsSave(file), // atomically, so a crash mid-save cannot corrupt it
    entities: roomlogEntities('sqljs'),
    migrations: roomlogMigrations,
    migrationsRun: true, // creates Roomlog's tables on first start
  });
  return createTypeormStore(await dataSource.initialize(), { closeClient: true });
}
