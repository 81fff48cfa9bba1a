// validateEvent: what a consumer accepts or refuses, and why, event type by event type.
import { readFileSync } from 'fs';
import { join } from 'path';
import { dlqTopicOf, OrderRequestedV1, parseAndValidate, Topics, validateEvent } from '@app/contracts';

type Json = Record<string, any>;
const fixture = (eventType: string): Json =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${eventType}.v1.json`), 'utf8'));

const reasonOf = (result: ReturnType<typeof validateEvent>): string => {
  if (result.ok) throw new Error('expected the event to be refused');
  return result.reason;
};

describe('validateEvent', () => {
  it('refuses an event on the wrong topic, and names the right one', () => {
    const result = validateEvent(fixture('AgreementAttested'), { topic: Topics.PartnersRelationships });

    expect(reasonOf(result)).toBe(
      'AgreementAttested belongs on topic agreements.acceptance, not on partners.relationships',
    );
  });

  it('judges a dead-lettered event against its source topic', () => {
    const event = fixture('AgreementAttested');

    expect(validateEvent(event, { topic: dlqTopicOf(Topics.AgreementsAcceptance) }).ok).toBe(true);
    expect(validateEvent(event, { topic: dlqTopicOf(Topics.OrdersDecided) }).ok).toBe(false);
  });

  it('accepts unknown fields anywhere, so producers can add optional fields (forward compatibility)', () => {
    const event = fixture('AgreementAttested');
    event.partition = 3;
    event.data.futureField = { nested: true };
    event.data.primaryContact.middleName = 'Q.';

    const order = fixture('OrderRequested');
    order.data.lineItems[0].termDuration = 'P1Y';

    expect(validateEvent(event).ok).toBe(true);
    expect(validateEvent(order).ok).toBe(true);
  });

  it('reports every failing field at once, with its path', () => {
    const order = fixture('OrderRequested');
    order.data.partnerId = 'not-a-guid';
    order.data.channel = 'Fax';
    order.data.lineItems.push({ offerId: '', quantity: 1.5 });

    expect(reasonOf(validateEvent(order))).toBe(
      'data.partnerId must be a UUID (a lower-case GUID); ' +
        'data.channel must be one of the following values: Api, Dashboard; ' +
        'data.lineItems[1].offerId should not be empty; ' +
        'data.lineItems[1].quantity must be an integer number',
    );
  });

  it('says a field is required when it is absent, and what it must be when it is null or wrong', () => {
    const absent = fixture('CustomerTenantCreated');
    delete absent.data.country;
    const nulled = fixture('CustomerTenantCreated');
    nulled.data.country = null;

    expect(reasonOf(validateEvent(absent))).toBe('data.country is required');
    expect(reasonOf(validateEvent(nulled))).toBe('data.country must be a valid ISO31661 Alpha2 code');
  });

  it('requires nested objects and arrays to be present and of the right shape', () => {
    const attested = fixture('AgreementAttested');
    delete attested.data.primaryContact;
    const order = fixture('OrderRequested');
    order.data.lineItems = 'CFQ7TTC0LH18:0001';
    const decided = fixture('OrderBlocked');
    decided.data.evidence = null;
    const items = fixture('OrderRequested');
    items.data.lineItems = [null, 'x'];

    expect(reasonOf(validateEvent(attested))).toBe('data.primaryContact is required');
    expect(reasonOf(validateEvent(order))).toBe('data.lineItems must be an array');
    expect(reasonOf(validateEvent(decided))).toBe('data.evidence must be an object');
    expect(reasonOf(validateEvent(items))).toBe(
      'data.lineItems[0] must be an object; data.lineItems[1] must be an object',
    );
  });

  describe('OrderRequested', () => {
    it('needs no subscriptionId for a new purchase, and one for every other kind', () => {
      const purchase = fixture('OrderRequested');
      purchase.data.kind = 'NewPurchase';
      delete purchase.data.subscriptionId;
      const renewal = fixture('OrderRequested');
      renewal.data.kind = 'AutoRenewal';
      renewal.data.subscriptionId = '';

      expect(validateEvent(purchase).ok).toBe(true);
      expect(reasonOf(validateEvent(renewal))).toBe(
        'data.subscriptionId must be longer than or equal to 1 characters',
      );
    });

    it('takes the reseller of record as optional', () => {
      const order = fixture('OrderRequested');
      delete order.data.resellerPartnerId;

      expect(validateEvent(order).ok).toBe(true);
    });

    it('accepts zero seats but not a negative count, and 1..128 characters of orderId', () => {
      const zero = fixture('OrderRequested');
      zero.data.lineItems[0].quantity = 0;
      const emptyId = fixture('OrderRequested');
      emptyId.data.orderId = '';
      const longest = fixture('OrderRequested');
      longest.data.orderId = 'o'.repeat(128);

      expect(validateEvent(zero).ok).toBe(true);
      expect(validateEvent(longest).ok).toBe(true);
      expect(reasonOf(validateEvent(emptyId))).toBe(
        'data.orderId must be longer than or equal to 1 characters',
      );
    });

    it('refuses a string where a number is due, rather than converting it', () => {
      const order = fixture('OrderRequested');
      order.data.lineItems[0].quantity = '25';

      expect(reasonOf(validateEvent(order))).toContain(
        'data.lineItems[0].quantity must be an integer number',
      );
    });
  });

  describe('decisions', () => {
    it('refuses an approval with a blocked reason', () => {
      const approved = fixture('OrderApproved');
      approved.data.reason = 'AcceptanceMissing';

      expect(reasonOf(validateEvent(approved))).toContain('data.reason must be one of the following values');
    });

    it('takes evidence fields as null or absent', () => {
      const decided = fixture('OrderBlocked');
      decided.data.evidence = {};

      expect(validateEvent(decided).ok).toBe(true);
    });
  });

  describe('envelope', () => {
    it('accepts any correlation id of 1..128 characters, since callers choose it', () => {
      const event = fixture('PartnerRegistered');
      event.correlationId = 'MS-CorrelationId from the caller';
      const tooLong = fixture('PartnerRegistered');
      tooLong.correlationId = 'c'.repeat(129);

      expect(validateEvent(event).ok).toBe(true);
      expect(reasonOf(validateEvent(tooLong))).toBe(
        'correlationId must be shorter than or equal to 128 characters',
      );
    });

    it('reads a missing causationId as null, and refuses a non-string one', () => {
      const absent = fixture('PartnerRegistered');
      delete absent.causationId;
      const numeric = fixture('PartnerRegistered');
      numeric.causationId = 7;

      expect(validateEvent(absent).ok).toBe(true);
      expect(reasonOf(validateEvent(numeric))).toBe('causationId must be a string');
    });

    it('refuses an occurredAt without a time zone', () => {
      const event = fixture('PartnerRegistered');
      event.occurredAt = '2026-10-01T12:00:00';

      expect(reasonOf(validateEvent(event))).toContain(
        'occurredAt must be an ISO-8601 date-time with a time zone',
      );
    });

    it('refuses what is not an object', () => {
      for (const raw of [null, 42, 'text', [fixture('PartnerRegistered')]]) {
        expect(reasonOf(validateEvent(raw))).toBe('the message is not a JSON object');
      }
    });

    it('checks the envelope before looking at the data', () => {
      const event = fixture('PartnerRegistered');
      delete event.eventType;
      event.data.partnerId = 'nope';

      expect(reasonOf(validateEvent(event))).toBe('eventType is required');
    });
  });

  it('cannot be fooled by a __proto__ key into skipping validation', () => {
    const text = JSON.stringify(fixture('PartnerRegistered')).replace(
      '"data":{',
      '"__proto__":{"eventId":"x"},"data":{"__proto__":{"partnerId":"a28aa719-be8d-4759-92e8-da090afb6e9b"},',
    );
    const withoutPartner = text.replace(/"partnerId":"cdf5e211-c705-4fe6-a6d5-cbcd5e72ee70",/, '');

    expect(parseAndValidate(text).ok).toBe(true);
    expect(reasonOf(parseAndValidate(withoutPartner))).toBe('data.partnerId is required');
  });

  it('narrows the data type on eventType', () => {
    const result = validateEvent(fixture('OrderRequested'));
    if (!result.ok || result.envelope.eventType !== 'OrderRequested')
      throw new Error('expected an OrderRequested');
    const data: OrderRequestedV1 = result.envelope.data;

    expect(data.lineItems[0].quantity).toBe(25);
  });
});
