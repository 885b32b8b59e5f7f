import type { EntityType } from "./openapi.js";

/**
 * What the client must know of an entity type beyond its fields: how a record is deleted (the
 * registry's soft delete: the server keeps the row as a tombstone that every device pulls).
 */
export interface EntityTypeRule {
  name: string;
  deletedField: string;
  deletedValue: unknown;
}

/** The types of the service's default registry (registry/registry.json). */
export const standardEntityTypes: EntityTypeRule[] = [
  { name: "end_user" as EntityType, deletedField: "is_deleted", deletedValue: 1 },
  { name: "interactions" as EntityType, deletedField: "status", deletedValue: "cancelled" },
];
