/* What class-transformer's plainToInstance does to one property of a class, found by asking plainToInstance itself
 * (its public API) rather than reading its decorator storage, which it does not export. */
import { plainToInstance } from 'class-transformer';

type ClassType = abstract new (...args: never[]) => object;

/** Values plainToInstance copies as they are unless a @Transform, @Expose, @Exclude or converting @Type intervenes. */
const SAMPLES: readonly unknown[] = ['  Probe-Value ✓ 0 ', -12345.5, true, false, 0, ''];

/** The classes a @Type may name that convert a value rather than give it a prototype. */
const CONVERTING: readonly unknown[] = [String, Number, Boolean, Date, Buffer, Set, Map, Array, Object];

export interface PropertyTransformation {
  /** plainToInstance copies the sample values of every JSON type but objects as they are. */
  copiesValues: boolean;
  /** The class plainToInstance gives this property's objects (its @Type), when it gives one. */
  nestedClass?: ClassType;
  /** plainToInstance changes an object here into something other than a plain copy (a @Type of any kind). */
  typed: boolean;
}

function probe(cls: ClassType, property: string, value: unknown): unknown {
  const instance = plainToInstance(cls as unknown as new () => object, { [property]: value });
  return (instance as Record<string, unknown>)[property];
}

/**
 * How plainToInstance treats `cls.property`. A @Transform that leaves every sample as it is but changes other values
 * goes unseen; the contract classes use none.
 */
export function transformationOf(cls: ClassType, property: string): PropertyTransformation {
  const copiesValues = SAMPLES.every((sample) => Object.is(probe(cls, property, sample), sample));
  const object = probe(cls, property, {});
  const isPlainCopy =
    typeof object === 'object' && object !== null && Object.getPrototypeOf(object) === Object.prototype;
  if (isPlainCopy) return { copiesValues, typed: false };
  const made = typeof object === 'object' && object !== null ? object.constructor : undefined;
  const nestedClass =
    typeof made === 'function' && !CONVERTING.includes(made) ? (made as ClassType) : undefined;
  return { copiesValues, nestedClass, typed: true };
}
