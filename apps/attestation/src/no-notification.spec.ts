import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';

/* nobody is ever notified. The service's own code imports nothing that could send an email, a
 * text message or an outbound HTTP call; its only outputs are its HTTP answers and its events. */
const FORBIDDEN_IMPORTS = [
  /nodemailer|sendgrid|mailgun|postmark|@aws-sdk\/client-s?es|smtp|twilio|vonage|nexmo|@azure\/communication/i,
  /^(node:)?(http|https|net|tls|dgram|child_process)$/,
  /^(axios|got|node-fetch|undici|superagent|request)$/,
  /@nestjs\/axios/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !/\.(spec|int-spec)\.ts$/.test(name) && !name.endsWith('.fixtures.ts')
      ? [path]
      : [];
  });
}

describe('A-10: no notification of any kind', () => {
  const files = sourceFiles(__dirname);

  it('A-10: no source file imports a mail, SMS or HTTP client', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g)].map(
        (m) => m[1],
      );
      for (const spec of imports) {
        for (const forbidden of FORBIDDEN_IMPORTS)
          expect({ file, spec, forbidden: forbidden.test(spec) }).toEqual({ file, spec, forbidden: false });
      }
      expect(text).not.toMatch(/\bfetch\(/);
    }
  });

  it('A-10: the only events the service writes are the documented ones', () => {
    const written = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/buildEnvelope\(\s*'([A-Za-z]+)'/g))
        written.add(m[1]);
    }
    expect([...written].sort()).toEqual([
      'AgreementAttestationWithdrawn',
      'AgreementAttested',
      'AgreementTemplatePublished',
    ]);
  });
});
