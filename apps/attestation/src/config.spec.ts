import { ConfigError } from '@app/platform';
import {
  DEFAULT_EXPIRY_SWEEP_MS,
  DEFAULT_PUBLIC_BASE_URL,
  DEFAULT_RELATIONSHIP_CATCH_UP_MS,
  loadAttestationSettings,
} from './config';

describe('attestation settings', () => {
  it('A-17: requires a relationship by default, with a bounded catch-up', () => {
    expect(loadAttestationSettings({})).toEqual({
      requireRelationship: true,
      relationshipCatchUpMs: DEFAULT_RELATIONSHIP_CATCH_UP_MS,
      publicBaseUrl: DEFAULT_PUBLIC_BASE_URL,
      expirySweepMs: DEFAULT_EXPIRY_SWEEP_MS,
    });
  });

  it('A-17: the requirement can be turned off explicitly', () => {
    expect(
      loadAttestationSettings({
        ATTESTATION_REQUIRE_RELATIONSHIP: 'false',
        ATTESTATION_RELATIONSHIP_CATCH_UP_MS: '500',
      }),
    ).toEqual({
      requireRelationship: false,
      relationshipCatchUpMs: 500,
      publicBaseUrl: DEFAULT_PUBLIC_BASE_URL,
      expirySweepMs: DEFAULT_EXPIRY_SWEEP_MS,
    });
  });

  it('E-01, E-05: reads the base of acceptance links and the expiry sweep interval', () => {
    expect(
      loadAttestationSettings({
        PUBLIC_BASE_URL: 'https://accept.example.com/',
        ATTESTATION_EXPIRY_SWEEP_MS: '1000',
      }),
    ).toMatchObject({ publicBaseUrl: 'https://accept.example.com', expirySweepMs: 1000 });
  });

  it('refuses a bad PUBLIC_BASE_URL or sweep interval, naming the variable', () => {
    expect(() => loadAttestationSettings({ PUBLIC_BASE_URL: 'ftp://x.example' })).toThrow('PUBLIC_BASE_URL');
    expect(() => loadAttestationSettings({ PUBLIC_BASE_URL: 'https://x.example/?a=1' })).toThrow(
      'PUBLIC_BASE_URL',
    );
    expect(() => loadAttestationSettings({ ATTESTATION_EXPIRY_SWEEP_MS: '0' })).toThrow(
      'ATTESTATION_EXPIRY_SWEEP_MS',
    );
    expect(() => loadAttestationSettings({ ATTESTATION_EXPIRY_SWEEP_MS: 'soon' })).toThrow(
      'ATTESTATION_EXPIRY_SWEEP_MS',
    );
  });

  it('refuses a bad value, naming the variable and never the value', () => {
    expect(() =>
      loadAttestationSettings({
        ATTESTATION_REQUIRE_RELATIONSHIP: 'yes-please',
        ATTESTATION_RELATIONSHIP_CATCH_UP_MS: '-1',
      }),
    ).toThrow(ConfigError);
    const badFlag = () => loadAttestationSettings({ ATTESTATION_REQUIRE_RELATIONSHIP: 'yes-please' });
    expect(badFlag).toThrow('ATTESTATION_REQUIRE_RELATIONSHIP');
    // It throws (above), so this checks its message: the value is never echoed.
    expect(badFlag).not.toThrow('yes-please');
  });
});
