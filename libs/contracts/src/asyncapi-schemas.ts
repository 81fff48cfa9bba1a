/* The JSON Schemas of the contract classes, for the AsyncAPI document (asyncapi.ts): generated from the same
 * class-validator metadata the consumers validate with, so a schema cannot say other than the validator does. */
import {
  getMetadataStorage,
  IS_ISO31661_ALPHA_2,
  IS_OPTIONAL,
  IS_URL,
  MetadataStorage,
  ValidationTypes,
} from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { transformationOf } from './class-transformer-probe';
import { EnvelopeDto } from './envelope';
import { ORDER_ID_MAX_LENGTH, READABLE_ORDER_ID_MAX_LENGTH } from './events/orders';
import { EVENT_REGISTRY } from './registry';
import { GUID_PATTERN, LANGUAGE_TAG_PATTERN, SHA256_HEX_PATTERN } from './validators';

export type JsonSchema = { [keyword: string]: unknown };
type ClassType = abstract new (...args: never[]) => object;

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type SchemaOptions = NonNullable<Parameters<typeof validationMetadatasToSchemas>[0]>;
type Converters = NonNullable<SchemaOptions['additionalConverters']>;

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

/**
 * What class-validator-jsonschema asks of class-transformer's metadata: each property's @Type class (for the schema
 * of a nested object), found through plainToInstance; the contract classes expose and exclude nothing.
 */
const nestedTypes = {
  findTypeMetadata: (target: ClassType, propertyName: string) => {
    const nested = transformationOf(target, propertyName).nestedClass;
    return nested
      ? { target, propertyName, typeFunction: () => nested, reflectedType: undefined }
      : undefined;
  },
  getExposedMetadatas: () => [],
  findExcludeMetadata: () => undefined,
} as unknown as SchemaOptions['classTransformerMetadataStorage'];

/* class-validator-jsonschema keys a decorator made with ValidateBy/registerDecorator by its constraint's name:
 * `isGuid` and `isDateTime` are the names validators.ts registers. The two built-ins are overridden because the
 * library's defaults are too loose (a bare string) or not JSON Schema (`format: url`). */
const CONTRACT_CONVERTERS: Converters = {
  isGuid: { type: 'string', pattern: GUID_PATTERN.source },
  isDateTime: { type: 'string', format: 'date-time' },
  isLanguageTag: { type: 'string', maxLength: 35, pattern: LANGUAGE_TAG_PATTERN.source },
  isSha256Hex: { type: 'string', pattern: SHA256_HEX_PATTERN.source },
  isDecisionOrderId: {
    type: 'string',
    minLength: 1,
    maxLength: READABLE_ORDER_ID_MAX_LENGTH,
    description: `1 to ${ORDER_ID_MAX_LENGTH} characters; up to ${READABLE_ORDER_ID_MAX_LENGTH} in an InvalidOrder decision (G-14), which answers a request whose orderId was too long.`,
  },
  [IS_ISO31661_ALPHA_2]: { type: 'string', pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' },
  [IS_URL]: { type: 'string', format: 'uri' },
};

/* The constraints whose JSON Schema class-validator-jsonschema's own converters give as the validator checks them
 * (reviewed for the version in package-lock.json). Any other constraint on a contract class needs a converter
 * above, or the build stops: the library would quietly fall back to the property's bare type. */
const LIBRARY_CONVERTED: readonly string[] = [
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  'isArray',
  'isBoolean',
  'isEmail',
  'isIn',
  'isInt',
  'isLength',
  'isNotEmpty',
  'isObject',
  'isString',
  'min',
];
const CONVERTIBLE_TYPES = new Set([...LIBRARY_CONVERTED, ...Object.keys(CONTRACT_CONVERTERS)]);

/**
 * JSON Schemas of the envelope and of every data class of the registry, with the classes they nest or extend,
 * keyed by class name. Only those classes' metadata is read, so classes of an app that share a name (an HTTP
 * DTO, say) cannot leak in.
 */
export function buildSchemas(): Record<string, JsonSchema> {
  const classes = contractClasses();
  const names = new Set<string>();
  for (const cls of classes) {
    if (names.has(cls.name)) throw new Error(`two contract classes are named ${cls.name}`);
    names.add(cls.name);
  }

  const global = getMetadataStorage();
  const storage = new MetadataStorage();
  const constraintClasses = new Set<ValidationMetadata['constraintCls']>();
  for (const cls of classes) {
    for (const meta of ownMetadatas(cls)) {
      storage.addValidationMetadata(meta);
      if (meta.constraintCls) constraintClasses.add(meta.constraintCls);
    }
  }
  for (const constraintCls of constraintClasses) {
    for (const constraint of global.getTargetValidatorConstraints(constraintCls))
      storage.addConstraintMetadata(constraint);
  }

  for (const cls of classes) {
    for (const meta of ownMetadatas(cls)) {
      const type = constraintNameOf(meta);
      if (!CONVERTIBLE_TYPES.has(type)) {
        throw new Error(`no JSON Schema converter for ${type} on ${cls.name}.${meta.propertyName}`);
      }
    }
  }

  const schemas = validationMetadatasToSchemas({
    classValidatorMetadataStorage: storage,
    classTransformerMetadataStorage: nestedTypes,
    refPointerPrefix: SCHEMA_REF_PREFIX,
    additionalConverters: CONTRACT_CONVERTERS,
  }) as Record<string, JsonSchema>;
  for (const cls of classes) {
    const schema = schemas[cls.name];
    if (!schema) continue;
    dropRefSiblings(schema);
    allowSkippedValues(schema, cls);
  }
  return schemas;
}

/* Every class whose metadata the schemas need: the envelope, the registry's data classes, their ancestors
 * (inherited constraints) and the classes they nest through @ValidateNested and @Type. */
function contractClasses(): ClassType[] {
  const found = new Set<ClassType>();
  const visit = (cls: ClassType): void => {
    if (found.has(cls)) return;
    found.add(cls);
    const parent: unknown = Object.getPrototypeOf(cls);
    if (typeof parent === 'function' && parent !== Function.prototype) visit(parent as ClassType);
    for (const meta of ownMetadatas(cls)) {
      if (meta.type !== ValidationTypes.NESTED_VALIDATION) continue;
      const nested: unknown = transformationOf(cls, meta.propertyName).nestedClass;
      if (typeof nested !== 'function') {
        throw new Error(`${cls.name}.${meta.propertyName} is nested without a @Type naming its class`);
      }
      visit(nested as ClassType);
    }
  };
  visit(EnvelopeDto);
  for (const definition of EVENT_REGISTRY) visit(definition.dataClass);
  return [...found];
}

function ownMetadatas(cls: ClassType): ValidationMetadata[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .filter((meta) => meta.target === cls);
}

function constraintNameOf(meta: ValidationMetadata): string {
  if (!meta.constraintCls) return meta.type;
  return getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0]?.name ?? meta.type;
}

/* class-validator skips every constraint of a property when @IsOptional finds it null or absent, and when a
 * @ValidateIf condition is false; the schema says so, so that whatever the validator accepts the schema does. */
function allowSkippedValues(schema: JsonSchema, cls: ClassType): void {
  const properties = propertiesOf(schema);
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  for (const name of Object.keys(properties)) {
    const conditions = metas.filter(
      (m) => m.propertyName === name && m.type === ValidationTypes.CONDITIONAL_VALIDATION,
    );
    if (conditions.length === 0) continue;
    const conditional = conditions.some((m) => m.name !== IS_OPTIONAL);
    properties[name] = {
      anyOf: [properties[name], { type: 'null' }],
      ...(conditional && {
        description:
          'Checked only when a condition on the other fields holds (see CONTRACT.md); may be null.',
      }),
    };
  }
}

/* A nested class comes out as `{ $ref, type: 'object' }` (@ValidateNested plus @IsObject); beside a $ref the
 * other keywords are ignored (JSON Schema draft 7, which AsyncAPI schemas follow), so they are dropped. */
function dropRefSiblings(schema: JsonSchema): void {
  const properties = propertiesOf(schema);
  for (const [name, property] of Object.entries(properties)) {
    if (typeof property.$ref === 'string') properties[name] = { $ref: property.$ref };
  }
}

export function propertiesOf(schema: JsonSchema | undefined): Record<string, JsonSchema> {
  return (schema?.properties ?? {}) as Record<string, JsonSchema>;
}

export function reachableSchemaNames(
  schemas: Record<string, JsonSchema>,
  roots: readonly string[],
): string[] {
  const reached = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (reached.has(name)) continue;
    if (!schemas[name]) throw new Error(`no schema generated for ${name}`);
    reached.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  return [...reached];
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_REF_PREFIX)
      ? [child.slice(SCHEMA_REF_PREFIX.length)]
      : refsIn(child),
  );
}
