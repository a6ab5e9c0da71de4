// The part of PouchDB's API the sync benchmark uses (its types are a separate package).
declare module 'pouchdb' {
  namespace PouchDB {
    interface Database {
      bulkDocs(docs: readonly object[]): Promise<unknown>
      info(): Promise<{ doc_count: number }>
      destroy(): Promise<unknown>
      readonly replicate: {
        to(target: string): Promise<unknown>
        from(source: string): Promise<unknown>
      }
    }
  }
  const PouchDB: {
    new (name: string, options?: { adapter?: string }): PouchDB.Database
    plugin(plugin: unknown): void
  }
  export default PouchDB
}
declare module 'pouchdb-adapter-memory' {
  const plugin: unknown
  export default plugin
}
