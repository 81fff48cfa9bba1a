import { DynamicModule } from '@nestjs/common';
import { randomUUID } from 'crypto';
import fc from 'fast-check';
import { ErrorCodes, findUnstorableInput, ServiceConfig, ServiceName } from '@app/platform';
import {
  bearer,
  createTestDatabase,
  eventually,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';
import asyncApi from '../libs/contracts/asyncapi.json';

/*
 * S-07: no input causes a 5xx. Every operation of every service that takes a body is found in the
 * service's own OpenAPI document, so a route added later is covered without touching this file.
 * Each is sent, with a token its guard admits, a valid-looking body with one field corrupted (NUL,
 * unpaired surrogates, huge strings, wrong types, nested garbage), or garbage instead of the body;
 * a few path and query parameters get the same values.
 */

const BODY_RUNS = Number(process.env.S07_BODY_RUNS ?? 1000);
const PARAMETER_RUNS = 200;
const BODY_LIMIT = 256 * 1024;

/** Recognisable contact data: it must never show up in a log line. */
const CONTACT_EMAIL = 'ada.s07-probe@contoso.example';
const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

const SERVICES: Array<[ServiceName, (c: ServiceConfig) => DynamicModule]> = [
  ['attestation', (c) => AttestationModule.forRoot(c)],
  ['reseller-relationship', (c) => ResellerRelationshipModule.forRoot(c)],
  ['order-gate', (c) => OrderGateModule.forRoot(c)],
  ['audit', (c) => AuditModule.forRoot(c)],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: Json[];
  example?: Json;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
};
interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Operation {
  [fc.toStringMethod]: () => string;
  service: ServiceName;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  pathParameters: string[];
  queryParameters: string[];
  bodySchema?: Schema;
  /** A token its guard admits (401/403 otherwise): set during the set-up. */
  token?: string;
}

interface World {
  partnerId: string;
  customerId: string;
}

/**
 * The contracts' own schemas (libs/contracts), for a body that is an event class of theirs: those
 * classes carry no OpenAPI decorators, so the OpenAPI document names them without their fields.
 */
const CONTRACT_SCHEMAS = (asyncApi as { components: { schemas: Record<string, Schema> } }).components.schemas;

function resolve(schema: Schema | undefined, document: OpenApiDocument): Schema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.split('/').pop()!;
    const described = document.components?.schemas?.[name] ?? {};
    const hasFields = Object.keys(described.properties ?? {}).length > 0;
    current = !hasFields && CONTRACT_SCHEMAS[name] ? CONTRACT_SCHEMAS[name] : described;
  }
  const variants = current.allOf ?? current.oneOf ?? current.anyOf;
  return variants ? resolve(variants[0], document) : current;
}

const GUID_PATTERN = /^\^\[0-9a-f\]\{8\}/;

/**
 * A value the schema admits and the domain is likely to accept, so a corruption lands deep. With
 * `optional`, objects carry their optional properties too.
 */
function validValue(
  name: string,
  raw: Schema | undefined,
  document: OpenApiDocument,
  world: World,
  optional = false,
): Json {
  const schema = resolve(raw, document);
  const known: Record<string, Json> = {
    email: CONTACT_EMAIL,
    templateId: MCA_TEMPLATE,
    type: 'MicrosoftCustomerAgreement',
    agreementType: 'MicrosoftCustomerAgreement',
    cloud: 'Public',
    partnerType: 'DirectBill',
    customerTenantId: world.customerId,
    partnerId: world.partnerId,
    country: 'US',
  };
  if (name in known && (schema.enum === undefined || schema.enum.includes(known[name]))) return known[name];
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  const type = schema.type ?? (schema.properties ? 'object' : 'string');
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (optional ? Object.keys(schema.properties ?? {}) : (schema.required ?? [])).map((key) => [
          key,
          validValue(key, schema.properties?.[key], document, world, optional),
        ]),
      );
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        validValue(name, schema.items, document, world, optional),
      );
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    default:
      if (schema.pattern && GUID_PATTERN.test(schema.pattern)) return randomUUID();
      switch (schema.format) {
        case 'uuid':
          return randomUUID();
        case 'email':
          return CONTACT_EMAIL;
        case 'date-time':
          return new Date(Date.now() - 60000).toISOString();
        case 'uri':
          return 'https://aka.ms/customeragreement';
        default:
          return 'Contoso S07'.padEnd(schema.minLength ?? 0, 'x');
      }
  }
}

/** Every path into a JSON value, the root included. */
function pathsOf(value: Json, prefix: string[] = []): string[][] {
  const here = [prefix];
  if (value === null || typeof value !== 'object') return here;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return here.concat(...entries.map(([key, item]) => pathsOf(item, [...prefix, key])));
}

const PLACEHOLDER = '"__s07_placeholder__"';

/** The body's JSON text with the value at `path` (or a new property `extra` there) replaced by a raw fragment. */
function corruptedText(body: Json, path: string[], fragment: string, asNewProperty: boolean): string {
  if (path.length === 0 && !asNewProperty) return fragment;
  const copy = structuredClone(body) as Json;
  let parent = copy as { [key: string]: Json };
  const keys = asNewProperty ? [...path, 'extra'] : path;
  for (const key of keys.slice(0, -1)) {
    const next = parent[key];
    if (next === null || typeof next !== 'object') return fragment;
    parent = next as { [key: string]: Json };
  }
  parent[keys[keys.length - 1]] = JSON.parse(PLACEHOLDER);
  return JSON.stringify(copy).replace(PLACEHOLDER, () => fragment);
}

const deep = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);

/** A raw value for a request; printed by its label, so a counterexample stays readable. */
interface Labelled {
  text: string;
  label: string;
}
function labelled(text: string, label = text): Labelled {
  const shown = label.length > 80 ? `${label.slice(0, 80)}… (${label.length} chars)` : label;
  return { text, label, [fc.toStringMethod]: () => JSON.stringify(shown) } as Labelled;
}
const json = (value: unknown) => labelled(JSON.stringify(value) ?? 'null');

/** Raw JSON fragments: what a hostile or careless client may put where a value belongs. */
const hostileFragment: fc.Arbitrary<Labelled> = fc.oneof(
  fc
    .constantFrom(
      '\u0000',
      'a\u0000b',
      `${CONTACT_EMAIL}\u0000`,
      '\ud800',
      'x\udfffy',
      '\udc00\ud800',
      '\u202e\ufeff\uffff',
      "'; DROP TABLE x; --",
      '%00',
      '',
      ' ',
    )
    .map(json),
  fc.string({ unit: 'binary', maxLength: 60 }).map(json),
  fc.string({ unit: 'grapheme', maxLength: 60 }).map(json),
  fc
    .constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0,
      1e308,
      -1e308,
      2 ** 53 + 1,
      [],
      {},
      [''],
      { a: 1 },
      ['\u0000'],
      { '\u0000': 'x' },
      { '\ud800': 1 },
    )
    .map(json),
  fc
    .constantFrom(
      '0000-01-01T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01T00:00:00+99:99',
      '00000000-0000-0000-0000-000000000000',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      'zz',
      'ZZZ',
    )
    .map(json),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 63, 1e6, 1e6 + 1, 0.1, -0.5).map(json),
  fc.anything({ maxDepth: 3, maxKeys: 4 }).map(json),
  fc.constantFrom(
    labelled(JSON.stringify('x'.repeat(200 * 1024)), '200 kB string'),
    labelled(JSON.stringify('é'.repeat(100 * 1024)), '100 k × é'),
    labelled(JSON.stringify('\u0000'.repeat(1000)), '1000 NULs'),
    labelled(deep(40, '[', ']'), 'arrays nested 40 deep'),
    labelled(deep(60_000, '[', ']'), 'arrays nested 60,000 deep'),
    labelled(`${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`, 'objects nested 30,000 deep'),
  ),
);

const tooLarge = fc.constantFrom(
  labelled(JSON.stringify('x'.repeat(BODY_LIMIT + 1024)), 'string over the body limit'),
  labelled(deep(140_000, '[', ']'), 'arrays nested past the body limit'),
);

/** Path and query values, already encoded for a URL: some are not even UTF-8. */
const hostileParameter: fc.Arbitrary<Labelled> = fc.oneof(
  fc
    .constantFrom(
      '%00',
      'a%00b',
      '%ED%A0%80',
      '%ED%BF%BF',
      '%C0%80',
      '%FF',
      '%',
      '%2e%2e',
      '00000000-0000-0000-0000-00000000000%00',
      encodeURIComponent('x'.repeat(3000)),
      encodeURIComponent(CONTACT_EMAIL),
      encodeURIComponent("'; DROP TABLE x; --"),
      encodeURIComponent('2026-13-45T99:99:99Z'),
      '-1',
      '1e308',
      '99999999999999999999999999',
    )
    .map((value) => labelled(value)),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((s) => labelled(encodeURIComponent(s))),
);

function isPartnerCenterError(body: unknown): boolean {
  const b = body as Record<string, unknown>;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.code === 'number' &&
    typeof b.errorName === 'string' &&
    typeof b.description === 'string' &&
    typeof b.isRetryable === 'boolean' &&
    typeof b.parameters === 'object' &&
    b.parameters !== null
  );
}

describe('S-07: no input causes a 5xx on any operation of any service', () => {
  let db: TestDatabase;
  const running = new Map<ServiceName, RunningService>();
  const documents = new Map<ServiceName, OpenApiDocument>();
  const operations: Operation[] = [];
  const world: World = { partnerId: randomUUID(), customerId: '' };
  const logged: string[] = [];
  const statuses = new Map<string, number>();
  const validStatuses: string[] = [];
  let spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('http_inputs');
    const options = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('s07') };
    const started = await Promise.all(SERVICES.map(([name, module]) => startService(name, module, options)));
    started.forEach((service, i) => running.set(SERVICES[i][0], service));

    for (const [name] of SERVICES) {
      const document = (await running.get(name)!.http().get('/docs-json').expect(200))
        .body as OpenApiDocument;
      documents.set(name, document);
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          const label = `${name} ${method.toUpperCase()} ${path}`;
          operations.push({
            [fc.toStringMethod]: () => JSON.stringify(label),
            service: name,
            method: method as Operation['method'],
            path,
            pathParameters: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
            queryParameters: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
            bodySchema: operation.requestBody?.content?.['application/json']?.schema,
          });
        }
      }
    }

    // The partner acts as a registered partner (S-03) and owns one real customer.
    const relationships = running.get('reseller-relationship')!;
    const partners = operations.find(
      (o) => o.service === 'reseller-relationship' && o.path === '/v1/partners',
    );
    const partnerBody = {
      ...(validValue('', partners?.bodySchema, documents.get('reseller-relationship')!, world) as object),
      id: world.partnerId,
    };
    await relationships
      .http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send(partnerBody)
      .expect(201);
    const partnerToken = await bearer({
      tenantId: world.partnerId,
      roles: ['AdminAgent', 'SalesAgent', 'HelpdeskAgent'],
    });
    const customers = operations.find(
      (o) => o.service === 'reseller-relationship' && o.path === '/v1/customers' && o.method === 'post',
    );
    const customer = await relationships
      .http()
      .post('/v1/customers')
      .set('Authorization', partnerToken)
      .send(validValue('', customers?.bodySchema, documents.get('reseller-relationship')!, world) as object);
    expect(customer.status).toBe(201);
    world.customerId = customer.body.id;

    // The other services have read the partner and its customer: a valid attestation is recorded.
    const attestations = operations.find(
      (o) =>
        o.service === 'attestation' &&
        o.path === '/v1/customers/{customerTenantId}/agreements' &&
        o.method === 'post',
    );
    await eventually(
      async () => {
        const res = await running
          .get('attestation')!
          .http()
          .post(`/v1/customers/${world.customerId}/agreements`)
          .set('Authorization', partnerToken)
          .send(validValue('', attestations?.bodySchema, documents.get('attestation')!, world) as object);
        expect(res.status).toBe(201);
      },
      { timeoutMs: 30000 },
    );

    const tokens = [
      partnerToken,
      await operatorBearer(['PlatformAdmin', 'Auditor']),
      await bearer({ tenantId: world.customerId, roles: ['Customer'] }),
    ];
    for (const operation of operations) {
      for (const token of tokens) {
        // A random customer: the guard answers all the same, and nothing happens to the real one.
        const url = operation.path.replace(/\{[^}]+\}/g, () => randomUUID());
        const res = await send(operation, token, url, operation.bodySchema ? '{}' : undefined);
        const refused = res.status === 401 || (res.status === 403 && res.body?.code === 610003);
        if (!refused) {
          operation.token = token;
          break;
        }
      }
    }

    const capture = (chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    };
    spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
        jest
          .spyOn(console, level)
          .mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' '))),
      ),
    ];
  }, 120000);

  afterAll(async () => {
    spies.forEach((spy) => spy.mockRestore());
    process.stdout.write(`S-07 valid bodies: ${JSON.stringify(validStatuses)}\n`);
    process.stdout.write(`S-07 statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    await Promise.allSettled([...running.values()].map((s) => s.close()));
    await db?.drop();
  });

  function urlOf(operation: Operation, replace?: { name: string; value: string }): string {
    const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      if (replace?.name === name) return replace.value;
      if (name === 'templateId') return MCA_TEMPLATE;
      if (name === 'customerTenantId') return world.customerId;
      return randomUUID();
    });
    return replace && operation.queryParameters.includes(replace.name)
      ? `${path}?${replace.name}=${replace.value}`
      : path;
  }

  function send(operation: Operation, token: string, url: string, body?: string) {
    const req = running.get(operation.service)!.http()[operation.method](url).set('Authorization', token);
    if (body === undefined) return req;
    return req.set('Content-Type', 'application/json').send(body);
  }

  async function check(operation: Operation, url: string, body?: string): Promise<number> {
    const res = await send(operation, operation.token!, url, body);
    const key = `${operation.method.toUpperCase()} ${operation.path} ${res.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (res.status >= 500 || (res.status >= 400 && !isPartnerCenterError(res.body))) {
      throw new Error(`${key}: ${JSON.stringify(res.body)} for ${url} ${body?.slice(0, 300) ?? ''}`);
    }
    return res.body?.code;
  }

  it('finds the operations in the OpenAPI documents, and a token each guard admits', () => {
    const withBody = operations.filter((o) => o.bodySchema);
    expect(new Set(withBody.map((o) => o.service))).toEqual(
      new Set(['attestation', 'reseller-relationship', 'order-gate']),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(8);
    expect(operations.filter((o) => !o.token).map((o) => `${o.service} ${o.method} ${o.path}`)).toEqual([]);
  });

  it('builds, from each OpenAPI schema, a body that passes the validation, so a corrupted field lands deep', async () => {
    const refused: string[] = [];
    for (const operation of operations.filter((o) => o.bodySchema)) {
      const body = validValue('', operation.bodySchema, documents.get(operation.service)!, world, true);
      const res = await send(operation, operation.token!, urlOf(operation), JSON.stringify(body));
      validStatuses.push(`${operation.method.toUpperCase()} ${operation.path} ${res.status}`);
      if (res.body?.code === 610001)
        refused.push(`${operation.service} ${operation.path}: ${res.body.description}`);
    }
    expect(refused).toEqual([]);
  });

  it('S-07: a NUL in companyProfile.companyName (POST /v1/customers) is a 400 naming the field, and logs nothing of the contact', async () => {
    const customers = operations.find(
      (o) => o.service === 'reseller-relationship' && o.path === '/v1/customers' && o.method === 'post',
    )!;
    const body = validValue('', customers.bodySchema, documents.get('reseller-relationship')!, world) as {
      companyProfile: { companyName: string };
    };
    body.companyProfile.companyName = 'Contoso\u0000Ltd';
    const res = await send(customers, customers.token!, '/v1/customers', JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: ErrorCodes.InvalidCharacters,
      errorName: 'InvalidCharacters',
      parameters: { in: 'body', field: 'companyProfile.companyName' },
    });
    expect(logged.join('\n')).not.toContain(CONTACT_EMAIL);
  });

  it(`S-07: ${BODY_RUNS} corrupted bodies over every operation that takes one: no 5xx, every error in Partner Center's shape, no contact data in the logs`, async () => {
    const withBody = operations.filter((o) => o.bodySchema);
    const cases = fc.record({
      operation: fc.constantFrom(...withBody),
      choice: fc.nat(),
      asNewProperty: fc.boolean(),
      optional: fc.boolean(),
      fragment: fc.oneof({ weight: 30, arbitrary: hostileFragment }, { weight: 1, arbitrary: tooLarge }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ operation, choice, asNewProperty, optional, fragment }) => {
        const valid = validValue(
          '',
          operation.bodySchema,
          documents.get(operation.service)!,
          world,
          optional,
        );
        const paths = pathsOf(valid);
        const body = corruptedText(valid, paths[choice % paths.length], fragment.text, asNewProperty);
        const code = await check(operation, urlOf(operation), body);
        // Text no field may hold is refused at the edge, by every operation alike (S-07).
        const unstorable =
          Buffer.byteLength(body) < BODY_LIMIT && body.trimStart().match(/^[[{]/)
            ? findUnstorableInput(JSON.parse(body))
            : undefined;
        if (unstorable) {
          expect(code).toBe(
            unstorable.kind === 'text' ? ErrorCodes.InvalidCharacters : ErrorCodes.InputTooDeep,
          );
        }
      }),
      { numRuns: BODY_RUNS },
    );

    const text = logged.join('\n');
    expect(text).not.toContain(CONTACT_EMAIL);
    expect(text).not.toMatch(/PARAMETERS/);
  }, 120000);

  it(`S-07: ${PARAMETER_RUNS} hostile path and query parameters: no 5xx, every error in Partner Center's shape`, async () => {
    const withParameters = operations.filter((o) => o.pathParameters.length + o.queryParameters.length > 0);
    const cases = fc.record({
      operation: fc.constantFrom(...withParameters),
      choice: fc.nat(),
      value: hostileParameter,
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ operation, choice, value }) => {
        const names = [...operation.pathParameters, ...operation.queryParameters];
        const url = urlOf(operation, { name: names[choice % names.length], value: value.text });
        const body = operation.bodySchema
          ? JSON.stringify(validValue('', operation.bodySchema, documents.get(operation.service)!, world))
          : undefined;
        await check(operation, url, body);
      }),
      { numRuns: PARAMETER_RUNS },
    );
    expect(logged.join('\n')).not.toContain(CONTACT_EMAIL);
  }, 120000);
});
