import { ConfigError } from '@app/platform';
import { DEFAULT_RELATIONSHIP_CATCH_UP_MS, loadAttestationSettings } from './config';

describe('attestation settings', () => {
  it('A-17: requires a relationship by default, with a bounded catch-up', () => {
    expect(loadAttestationSettings({})).toEqual({
      requireRelationship: true,
      relationshipCatchUpMs: DEFAULT_RELATIONSHIP_CATCH_UP_MS,
    });
  });

  it('A-17: the requirement can be turned off explicitly', () => {
    expect(
      loadAttestationSettings({
        ATTESTATION_REQUIRE_RELATIONSHIP: 'false',
        ATTESTATION_RELATIONSHIP_CATCH_UP_MS: '500',
      }),
    ).toEqual({ requireRelationship: false, relationshipCatchUpMs: 500 });
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
