import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidatorOptions,
} from 'class-validator';
import { EnvelopeDto, EVENT_REGISTRY, validateEvent } from '@app/contracts';
import { compileValidityCheck } from './validity-check';

type Json = Record<string, any>;
type ClassType = new () => object;

const FIXTURES = join(__dirname, '..', 'fixtures');
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8'));

/* What validateEvent asks of class-validator. */
const OPTIONS: ValidatorOptions = {
  whitelist: false,
  forbidUnknownValues: false,
  validationError: { target: false, value: true },
};

/* The twin answers only whether a value passes: what fails, or throws, goes to class-validator in validateEvent. */
type Outcome = 'valid' | 'not valid';

function outcome(judge: () => boolean): Outcome {
  try {
    return judge() ? 'valid' : 'not valid';
  } catch {
    return 'not valid';
  }
}

function classValidatorSays(cls: ClassType, value: Json): Outcome {
  return outcome(() => validateSync(plainToInstance(cls, value), OPTIONS).length === 0);
}

function twinSays(cls: ClassType, value: Json): Outcome {
  const check = compileValidityCheck(cls);
  if (!check) throw new Error(`${cls.name} did not compile`);
  return outcome(() => check(value));
}

const PALETTE: unknown[] = [
  null,
  '',
  ' ',
  'x',
  0,
  1,
  -1,
  1.5,
  1e21,
  true,
  false,
  [],
  {},
  [{}],
  [null],
  ['x'],
  'A'.repeat(300),
  '117a77b0-9360-443b-8795-c6dedc750cf9',
  '117A77B0-9360-443B-8795-C6DEDC750CF9',
  '2026-11-21T10:00:00.000Z',
  '2026-11-21T10:00:00+01:00',
  '2026-11-21',
  '2026-11-21T10:00:00',
  '2026-02-30T10:00:00Z',
  'adele@fabrikam.example',
  'adele@',
  '\ud800@fabrikam.example',
  'US',
  'us',
  'https://example.com/terms',
];

/** Every leaf value of the fixtures: valid values of one field tried in every other. */
function leaves(value: unknown, out: Set<unknown>): Set<unknown> {
  if (Array.isArray(value)) value.forEach((v) => leaves(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => leaves(v, out));
  else out.add(value);
  return out;
}

/** Paths to every property of every object and array element of a value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  }
  return [];
}

function mutated(base: Json, path: (string | number)[], replacement: unknown | typeof DELETE): Json {
  const copy = structuredClone(base);
  let parent: any = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1];
  if (replacement === DELETE) delete parent[last];
  else parent[last] = structuredClone(replacement);
  return copy;
}

const DELETE = Symbol('delete');

/** Deterministic, so that a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

function variants(base: Json, values: unknown[]): Json[] {
  const all = paths(base);
  const out: Json[] = [base];
  for (const path of all) {
    out.push(mutated(base, path, DELETE));
    for (const v of values) out.push(mutated(base, path, v));
  }
  const next = random(all.length);
  for (let i = 0; i < 300; i++) {
    let m = base;
    for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
      const candidates = paths(m);
      if (candidates.length === 0) break;
      const path = candidates[Math.floor(next() * candidates.length)];
      const pick = Math.floor(next() * (values.length + 1));
      m = mutated(m, path, pick === values.length ? DELETE : values[pick]);
    }
    out.push(m);
  }
  out.push(JSON.parse(`{"__proto__": null, ${JSON.stringify(base).slice(1)}`));
  out.push({ ...base, constructor: 'x', toString: 'x', hasOwnProperty: 1 });
  return out;
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readJson(join(FIXTURES, f)));
const VALUES = [...PALETTE, ...leaves(fixtures, new Set())];

describe('compileValidityCheck', () => {
  it('compiles the envelope and every data class of the registry, so that no event pays for class-validator', () => {
    expect(compileValidityCheck(EnvelopeDto)).not.toBeNull();
    for (const d of EVENT_REGISTRY)
      expect([d.eventType, compileValidityCheck(d.dataClass)]).not.toContain(null);
  });

  it.each(EVENT_REGISTRY.map((d) => [d.eventType, d.dataClass as ClassType] as const))(
    'agrees with class-validator on %s data: the fixture, every field absent or replaced, and random mixes',
    (eventType, dataClass) => {
      const base = fixtures.find((f) => f.eventType === eventType)!.data as Json;
      const disagreements = variants(base, VALUES)
        .map((v) => ({ v, expected: classValidatorSays(dataClass, v), actual: twinSays(dataClass, v) }))
        .filter(({ expected, actual }) => expected !== actual);

      expect(disagreements.slice(0, 3)).toEqual([]);
    },
  );

  it('agrees with class-validator on the envelope', () => {
    const disagreements = variants({ ...fixtures[0], data: {} }, VALUES)
      .map((v) => ({ v, expected: classValidatorSays(EnvelopeDto, v), actual: twinSays(EnvelopeDto, v) }))
      .filter(({ expected, actual }) => expected !== actual);

    expect(disagreements.slice(0, 3)).toEqual([]);
  });

  it('follows @ValidateNested through arrays of arrays and refuses a primitive where an object is nested', () => {
    class Leaf {
      @IsInt()
      n: number;
    }
    class Tree {
      @ValidateNested({ each: true })
      @Type(() => Leaf)
      leaves: Leaf[][];
    }
    for (const leaves of [[[{ n: 1 }]], [[{ n: 'x' }]], [[1]], [null], [], {}, { n: 1 }, null, 'x']) {
      expect(twinSays(Tree, { leaves })).toBe(classValidatorSays(Tree, { leaves }));
    }
  });

  it('applies `each` to array elements, and a constraint only where its own validateIf holds', () => {
    class Options {
      @IsInt({ each: true })
      sizes: number[];

      @Min(1, { validateIf: (o: { on?: boolean }) => o.on === true })
      level: number;

      @IsOptional()
      @IsString()
      note?: string;

      @ValidateIf((o: { on?: boolean }) => o.on === true)
      @IsString()
      reason?: string;
    }
    const cases = [
      { sizes: [1, 2], level: 0 },
      { sizes: [1, 'x'], level: 0 },
      { sizes: 3, level: 0 },
      { sizes: [], level: 0, on: true, reason: 'r' },
      { sizes: [], level: 2, on: true, reason: 'r', note: null },
      { sizes: [], level: 2, on: true, note: 1 },
      { sizes: [], level: 2, on: false, reason: 1 },
    ];
    const verdicts = cases.map((c) => [twinSays(Options, c), classValidatorSays(Options, c)]);

    expect(verdicts.map(([twin]) => twin)).toEqual(verdicts.map(([, reference]) => reference));
    expect(verdicts.map(([twin]) => twin)).toContain('valid');
  });

  it('declines a class whose values class-transformer converts, so class-validator judges it', () => {
    class Converted {
      @IsString()
      @MinLength(1)
      @Type(() => String)
      name: string;
    }
    expect(compileValidityCheck(Converted)).toBeNull();
  });

  it('declines a class whose values class-transformer transforms, reads under another name or leaves out', () => {
    class Trimmed {
      @IsString()
      @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
      name: string;
    }
    class Renamed {
      @IsString()
      @Expose({ name: 'label' })
      name: string;
    }
    class Left {
      @IsString()
      @Exclude()
      name: string;
    }
    class Plain {
      @IsString()
      name: string;
    }
    expect([Trimmed, Renamed, Left].map((cls) => compileValidityCheck(cls))).toEqual([null, null, null]);
    expect(compileValidityCheck(Plain)).not.toBeNull();
  });
});

describe('validateEvent with the compiled check', () => {
  it('still words a refusal as class-validator does, and refuses what throws inside a validator', () => {
    const attested = fixtures.find((f) => f.eventType === 'AgreementAttested')!;
    const badEmail = mutated(attested, ['data', 'primaryContact', 'email'], '\ud800@fabrikam.example');
    const noPartner = mutated(attested, ['data', 'partnerId'], DELETE);

    expect(validateEvent(badEmail)).toEqual({
      ok: false,
      reason: 'the message could not be validated (URIError)',
    });
    expect(validateEvent(noPartner)).toEqual({ ok: false, reason: 'data.partnerId is required' });
  });
});
