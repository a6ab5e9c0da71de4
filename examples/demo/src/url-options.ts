/**
 * The demo's URL parameters (the browser tests rely on them):
 * `?db=<name>` the database name (default `companion-demo`),
 * `?host=worker|shared-worker` where the engine runs (default `worker`),
 * `?sync=<user>` sync with the CouchDB-protocol server that `npm run start:sync` serves
 * under `/couch` on the same origin, in that user's database (`couch_peruser` naming).
 */

export type DemoHost = 'worker' | 'shared-worker'

export interface DemoOptions {
  readonly databaseName: string
  readonly host: DemoHost
  /** The user whose server database the panel syncs with; `undefined`: no sync. */
  readonly syncUser: string | undefined
}

export const DEFAULT_DATABASE = 'companion-demo'

/** Reads the options from a query string such as `location.search`. Unknown values fall back to the defaults. */
export function readDemoOptions(search: string): DemoOptions {
  const params = new URLSearchParams(search)
  const databaseName = params.get('db')?.trim() || DEFAULT_DATABASE
  const host: DemoHost = params.get('host') === 'shared-worker' ? 'shared-worker' : 'worker'
  const syncUser = params.get('sync')?.trim() || undefined
  return { databaseName, host, syncUser }
}
