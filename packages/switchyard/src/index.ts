/** Switchyard: the core API and the embedded engine in one import. */
export * from '@switchyard/core';
export { openBroker, openSqliteEngine, SqliteEngine } from '@switchyard/sqlite';
export type { Durability, OpenBrokerOptions, SqliteEngineOptions } from '@switchyard/sqlite';
