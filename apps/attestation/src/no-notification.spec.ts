import { readFileSync } from 'fs';
import {
  couldNotify,
  importsOf,
  notificationPathsInSharedLibs,
  outboundCallsIn,
  productionSources,
} from '@app/testing/notification-scan';

/* nobody is ever notified. The service's own code imports nothing that could send an email, a
 * text message or an outbound HTTP call, nor do the shared libs it runs on beyond their broker and
 * database connections; its only outputs are its HTTP answers and its events. */
describe('A-10: no notification of any kind', () => {
  const files = productionSources(__dirname);

  it('A-10: no source file imports a mail, SMS or HTTP client, or a socket, or calls fetch', () => {
    expect(files.length).toBeGreaterThan(10);
    const imports = files.flatMap(importsOf).filter((site) => !site.typeOnly && couldNotify(site.module));
    expect(imports.map(({ file, module }) => ({ file, module }))).toEqual([]);
    expect(files.flatMap((file) => outboundCallsIn(file).map((call) => ({ file, call })))).toEqual([]);
  });

  it("A-10: the shared libs it runs on (@app/platform, @app/messaging, @app/contracts) reach only their broker, their database and the identity provider's keys", () => {
    expect(notificationPathsInSharedLibs()).toEqual([]);
  });

  it('A-10, E-06: the only events the service writes are the documented ones (the acceptance link goes to no one)', () => {
    const written = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/buildEnvelope\(\s*'([A-Za-z]+)'/g))
        written.add(m[1]);
    }
    expect([...written].sort()).toEqual([
      'AgreementAttestationWithdrawn',
      'AgreementAttested',
      'AgreementTemplatePublished',
      'EnhancedAttestationAccepted',
      'EnhancedAttestationCancelled',
      'EnhancedAttestationExpired',
      'EnhancedAttestationStarted',
    ]);
  });
});
