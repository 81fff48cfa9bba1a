import { DynamicModule, Global, Module } from '@nestjs/common';

/**
 * Injects the name of the schema that holds this service's tables: every statement names its tables
 * through it (`table(schema, 'customers')`), so the schema is the module's choice, never a literal in SQL.
 */
export const RELATIONSHIP_SCHEMA = 'RELATIONSHIP_SCHEMA';

/** Provides RELATIONSHIP_SCHEMA to every capability module of the service. */
@Global()
@Module({})
export class RelationshipSchemaModule {
  static forRoot(schema: string): DynamicModule {
    return {
      module: RelationshipSchemaModule,
      providers: [{ provide: RELATIONSHIP_SCHEMA, useValue: schema }],
      exports: [RELATIONSHIP_SCHEMA],
    };
  }
}
