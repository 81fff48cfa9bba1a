import { Logger } from '@nestjs/common';
import { createJsonLogger, logLevelsFrom } from './json-logger';

describe('createJsonLogger', () => {
  let written: { stream: string; text: string }[];
  let spies: jest.SpyInstance[];

  beforeEach(() => {
    written = [];
    spies = (['stdout', 'stderr'] as const).map((stream) =>
      jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push({ stream, text: String(chunk) });
        return true;
      }),
    );
  });
  afterEach(() => spies.forEach((spy) => spy.mockRestore()));

  const records = () => written.map(({ text }) => JSON.parse(text));

  it('writes one JSON line per call, with the fields after the message, personal data masked', () => {
    const logger = createJsonLogger('attestation', 'log');
    logger.log(
      'attested',
      { customerTenantId: 'c-1', primaryContact: { email: 'ada@contoso.example' }, level: 'spoofed' },
      'Attest',
    );
    logger.debug('not at this level');
    expect(written).toHaveLength(1);
    expect(written[0].text.endsWith('}\n')).toBe(true);
    expect(records()[0]).toEqual({
      level: 'log',
      pid: process.pid,
      timestamp: expect.any(Number),
      message: 'attested',
      context: 'Attest',
      service: 'attestation',
      customerTenantId: 'c-1',
      primaryContact: '[REDACTED]',
    });
    expect(written[0].text).not.toContain('ada@contoso.example');
  });

  it('serves as the app logger behind Nest Logger instances, errors on stderr', () => {
    const logger = createJsonLogger('audit', 'log');
    Logger.overrideLogger(logger);
    try {
      new Logger('Filter').error('Unhandled error', { correlationId: 'c-9', error: new Error('boom') });
    } finally {
      Logger.overrideLogger(false);
    }
    expect(written.map(({ stream }) => stream)).toEqual(['stderr']);
    expect(records()[0]).toMatchObject({
      level: 'error',
      context: 'Filter',
      service: 'audit',
      message: 'Unhandled error',
      correlationId: 'c-9',
      error: { name: 'Error', message: 'boom', stack: expect.stringContaining('Error: boom') },
    });
  });

  it('enables the level given and every more severe one', () => {
    expect(logLevelsFrom('warn')).toEqual(['warn', 'error', 'fatal']);
    expect(logLevelsFrom('verbose')).toHaveLength(6);
  });
});
