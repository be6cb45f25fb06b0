// The one form of database URL the registry and the Postgres data sources take.

/** True for a postgres:// or postgresql:// connection URL. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//.test(value);
}
