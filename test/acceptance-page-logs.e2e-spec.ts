import { eventually, givenRunningService } from '@app/testing';
import { ATTESTATION_TOPICS, givenRelatedPair } from '../apps/attestation/src/attestation.harness';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import {
  SIGNATORY,
  startBody,
  startEnhanced,
  tokenOf,
} from '../apps/attestation/src/enhanced/enhanced.harness';

/*
 * The acceptance link's secret never reaches the logs (E-02, issue #15: "the link's secret never
 * logged"): the service runs at LOG_LEVEL=log, so every request writes its access line, and the whole
 * output of a visit (page, wrong fields, acceptance, a forged form) is searched for the token.
 */
describe("the acceptance link's secret in the logs (E-02)", () => {
  const sut = givenRunningService({
    service: 'attestation',
    module: (config) => AttestationModule.forRoot(config, {}, {}),
    record: ATTESTATION_TOPICS,
    label: 'acceptance-logs',
    env: { LOG_LEVEL: 'log' },
  });

  const form = (csrf: string, over: Record<string, string> = {}) =>
    new URLSearchParams({
      signatoryFirstName: SIGNATORY.firstName,
      signatoryLastName: SIGNATORY.lastName,
      signatoryEmail: SIGNATORY.email,
      accept: 'yes',
      csrf,
      ...over,
    });

  it('E-02: a visit, wrong fields, an acceptance and a forged form log the route, never the token', async () => {
    const lines: string[] = [];
    const spies = (['stdout', 'stderr'] as const).map((stream) => {
      const write = process[stream].write.bind(process[stream]) as (...args: unknown[]) => boolean;
      return jest.spyOn(process[stream], 'write').mockImplementation((...args: unknown[]) => {
        lines.push(String(args[0]));
        return write(...args);
      });
    });
    try {
      const pair = await givenRelatedPair(sut);
      const started = await startEnhanced(sut, pair.partnerId, startBody(pair.customerTenantId));
      expect(started.status).toBe(201);
      const token = tokenOf(started.body.acceptanceUrl);
      const link = `${sut.service.url}/acceptance/${token}`;

      const page = await fetch(link);
      expect(page.status).toBe(200);
      const cookie = page.headers.get('set-cookie')!.split(';')[0];
      const csrf = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(await page.text())![1];
      const post = (body: URLSearchParams, withCookie = true) =>
        fetch(link, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(withCookie ? { cookie } : {}),
          },
          body,
        });
      expect((await post(form(csrf, { signatoryFirstName: 'Someone' }))).status).toBe(422);
      expect((await post(form(csrf))).status).toBe(200);
      expect((await post(form('forged'), false)).status).toBe(403);

      // An access line is written once its response has closed: wait for the four of the page.
      await eventually(() => {
        expect(lines.join('').match(/"route":"\/acceptance\/:token"/g)).toHaveLength(4);
      });
      expect(lines.join('')).not.toContain(token);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });
});
