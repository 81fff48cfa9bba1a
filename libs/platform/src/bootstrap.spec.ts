import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { Public } from './auth/auth.decorators';
import { bootstrapService, createServiceApp, EXIT_CONFIG_ERROR } from './bootstrap';
import { PartnerDirectory } from './auth/partner-directory';
import { StaticPartnerDirectory, testConfig } from './testing/platform-test-app';

@Controller('hello')
class HelloController {
  @Public()
  @Get()
  hello() {
    return { hello: 'world' };
  }
}

@Module({
  controllers: [HelloController],
  providers: [{ provide: PartnerDirectory, useValue: new StaticPartnerDirectory() }],
})
class HelloModule {}

describe('createServiceApp', () => {
  it('builds the service with the platform around it, logging JSON lines', async () => {
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const app = await createServiceApp(HelloModule, testConfig(), {
        title: 'Hello',
        description: 'Says hello.',
      });
      const server = app.getHttpServer();
      await request(server).get('/hello').expect(200, { hello: 'world' });
      await request(server).get('/health/live').expect(200);
      const docs = await request(server).get('/docs-json').expect(200);
      expect(docs.body.info.title).toBe('Hello');
      expect(docs.body.info.description).toContain('customer token');
      expect(docs.body.security).toEqual([{ bearer: [] }]);
      const powered = await request(server).get('/hello');
      expect(powered.headers['x-powered-by']).toBeUndefined();
      await app.close();
    } finally {
      stdout.mockRestore();
    }
    const records = written.map((line) => JSON.parse(line));
    expect(records.every((record) => record.service === 'attestation')).toBe(true);
    expect(records).toContainEqual(
      expect.objectContaining({
        context: 'HttpAccess',
        method: 'GET',
        route: '/hello',
        status: 200,
      }),
    );
  });
});

describe('bootstrapService', () => {
  it('refuses to start on a bad environment: one line naming the variable, exit code 78', async () => {
    const saved = process.env.JWT_SECRET;
    process.env.JWT_SECRET = 'short-secret-value';
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    try {
      await expect(
        bootstrapService({ service: 'audit', module: () => HelloModule, title: 'Audit', description: '' }),
      ).rejects.toThrow(`exit ${EXIT_CONFIG_ERROR}`);
      expect(stderr).toHaveBeenCalledTimes(1);
      const line = String(stderr.mock.calls[0][0]);
      expect(line).toMatch(/^audit: refusing to start\. .*JWT_SECRET must be at least 32 characters.*\n$/);
      expect(line).not.toContain('short-secret-value');
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
      if (saved === undefined) delete process.env.JWT_SECRET;
      else process.env.JWT_SECRET = saved;
    }
  });
});
