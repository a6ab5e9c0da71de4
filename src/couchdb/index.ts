/**
 * companion-chat/couchdb: sync with Apache CouchDB, IBM Cloudant or PouchDB Server. A
 * separate entry, so apps without sync do not load it.
 *
 * @packageDocumentation
 * @module companion-chat/couchdb
 */
export { createCouchDBSync, userDatabaseUrl, type CouchDBSyncOptions } from './create-couchdb-sync.js'
export type { HeadersSource } from './couch-http.js'
export type { MessageDocument, TicketDocument } from './documents.js'
