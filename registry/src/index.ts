// The registry API shared by the operator, the trainer, the drift checker and the predictor.
export { Registry, type RegistryOptions } from './registry.ts';
export { migrate, SCHEMA_TABLE, type MigrationResult } from './migrate.ts';
export { RegistryError, RegistryNotFoundError, RegistryConflictError, isTransientDbError } from './errors.ts';
export type * from './types.ts';
