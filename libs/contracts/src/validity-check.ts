/* A yes/no twin of class-validator's validateSync for the contract classes, compiled once from the same decorator
 * metadata. class-validator looks its metadata up afresh for every object it validates, instantiates the data
 * with class-transformer first and builds an error object per property: most of the cost of validating an event,
 * paid on every message every consumer reads (the audit reads them all). The twin calls the same constraint
 * functions, in the same conditions, on the parsed JSON itself. It only ever answers "valid": on anything else
 * validateEvent runs class-validator, which words the reason, so a refusal reads exactly as before. What
 * class-transformer would do to each property (its @Type, or a transformation the twin cannot reproduce) is asked
 * of plainToInstance itself (class-transformer-probe.ts). */
import {
  getMetadataStorage,
  MetadataStorage,
  ValidationArguments,
  ValidationTypes,
  ValidatorConstraintInterface,
} from 'class-validator';
import { transformationOf } from './class-transformer-probe';

type ClassType = abstract new (...args: never[]) => object;

/** True when a value parsed from JSON passes every constraint of the class, as validateSync would find. */
export type ValidityCheck = (value: object) => boolean;

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];

interface Rule {
  metadata: ValidationMetadata;
  validator: ValidatorConstraintInterface;
}

interface PropertyRules {
  name: string;
  conditions: ValidationMetadata[];
  /** @IsDefined first, then the other constraints, as class-validator runs them. */
  rules: Rule[];
  /** The class class-transformer gives a @ValidateNested property's objects (its @Type). */
  nested: CompiledClass | null;
}

interface CompiledClass {
  name: string;
  properties: PropertyRules[];
}

/* class-transformer gives a @Type property's objects the nested class's prototype, and the twin reads the parsed
 * JSON instead: only constraints whose verdict cannot turn on the prototype may sit on such a property. */
const PROTOTYPE_BLIND = new Set([
  'isObject',
  'isArray',
  'arrayNotEmpty',
  'arrayMinSize',
  'arrayMaxSize',
  'isDefined',
]);

const RUN_TYPES = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
]);

class NotCompilable extends Error {}

/**
 * The check for a class and the classes it nests, or null when its metadata uses something the twin does not
 * reproduce (groups, async or promise validation, class-transformer's @Transform/@Expose/@Exclude, a @Type that
 * converts values, a property named like an Object.prototype member): the caller then uses class-validator.
 */
export function compileValidityCheck(cls: ClassType): ValidityCheck | null {
  let compiled: CompiledClass;
  try {
    compiled = compileClass(cls, new Set());
  } catch (error) {
    if (error instanceof NotCompilable) return null;
    throw error;
  }
  return (value) => passes(compiled, value as Record<string, unknown>);
}

function compileClass(cls: ClassType, visiting: Set<ClassType>): CompiledClass {
  if (visiting.has(cls)) throw new NotCompilable(`${cls.name} nests itself`);
  visiting.add(cls);
  const storage = getMetadataStorage();
  // The arguments validateSync passes without groups, `always` or `strictGroups`.
  const metadatas = storage.getTargetValidationMetadatas(cls, '', false, false, undefined);
  const byProperty = storage.groupByPropertyName(metadatas);
  const properties = Object.keys(byProperty).map((name): PropertyRules => {
    if (name in Object.prototype || name === '__proto__') {
      throw new NotCompilable(`${cls.name}.${name} is named like an Object.prototype member`);
    }
    const transformation = transformationOf(cls, name);
    // plainToInstance must copy the JSON's values as they are: no @Transform, @Expose, @Exclude or converting @Type.
    if (!transformation.copiesValues) throw new NotCompilable(`${cls.name}.${name} is transformed`);
    const own = byProperty[name].filter((m) => m.type !== ValidationTypes.WHITELIST);
    for (const m of own) {
      if (!RUN_TYPES.has(m.type)) throw new NotCompilable(`${m.type} on ${cls.name}.${name}`);
      if (m.groups?.length || m.always !== undefined)
        throw new NotCompilable(`groups on ${cls.name}.${name}`);
    }
    const rulesOf = (type: string) =>
      own
        .filter((m) => m.type === type)
        .flatMap((metadata) =>
          storage
            .getTargetValidatorConstraints(metadata.constraintCls)
            // validateSync skips asynchronous constraints.
            .filter((constraint) => !constraint.async)
            .map((constraint) => ({ metadata, validator: constraint.instance, name: constraint.name })),
        );
    const rules = [...rulesOf(ValidationTypes.IS_DEFINED), ...rulesOf(ValidationTypes.CUSTOM_VALIDATION)];
    if (transformation.typed) {
      const blind = rules.every((r) => PROTOTYPE_BLIND.has(r.name));
      if (!blind) throw new NotCompilable(`${cls.name}.${name} has a @Type and a constraint that may see it`);
    }
    const nestedAt = own.some((m) => m.type === ValidationTypes.NESTED_VALIDATION);
    return {
      name,
      conditions: own.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION),
      rules: rules.map(({ metadata, validator }) => ({ metadata, validator })),
      nested: nestedAt ? compileClass(nestedClassOf(cls, name, transformation.nestedClass), visiting) : null,
    };
  });
  visiting.delete(cls);
  return { name: cls.name, properties };
}

function nestedClassOf(cls: ClassType, name: string, nested: ClassType | undefined): ClassType {
  if (!nested) throw new NotCompilable(`${cls.name}.${name} is nested without a plain @Type class`);
  return nested;
}

function passes(compiled: CompiledClass, object: Record<string, unknown>): boolean {
  for (const property of compiled.properties) {
    const value = object[property.name];
    if (!property.conditions.every((m) => (m.constraints[0] as ConditionFn)(object, value))) continue;
    for (const rule of property.rules) {
      if (!obeys(rule, compiled.name, object, property.name, value)) return false;
    }
    if (property.nested && value !== undefined && !nestedPasses(property.nested, value)) return false;
  }
  return true;
}

type ConditionFn = (object: object, value: unknown) => boolean;

function obeys(
  { metadata, validator }: Rule,
  targetName: string,
  object: object,
  property: string,
  value: unknown,
): boolean {
  if (metadata.validateIf && !metadata.validateIf(object, value)) return true;
  const args: ValidationArguments = {
    targetName,
    property,
    object,
    value,
    constraints: metadata.constraints,
  };
  // A verdict that is a promise is truthy: validateSync never awaits it, so it cannot fail the object either.
  if (metadata.each && Array.isArray(value))
    return value.every((element) => validator.validate(element, args));
  return Boolean(validator.validate(value, args));
}

function nestedPasses(nested: CompiledClass, value: unknown): boolean {
  if (Array.isArray(value)) return value.every((element) => nestedPasses(nested, element));
  // plainToInstance has made every object here an instance of the nested class.
  if (typeof value === 'object' && value !== null) return passes(nested, value as Record<string, unknown>);
  return false;
}
