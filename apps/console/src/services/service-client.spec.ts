import { createServer, type IncomingMessage, type Server } from 'http';
import { AddressInfo } from 'net';
import { segment, ServiceClient, ServiceError } from './service-client';

describe('the services’ client', () => {
  let server: Server;
  let url: string;
  const seen: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      if (req.url?.startsWith('/v1/refused')) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ code: 610003, errorName: 'Forbidden', description: 'Only an AdminAgent may.' }),
        );
      } else if (req.url?.startsWith('/v1/broken')) {
        res.writeHead(500).end('<html>oops</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((done) => server.close(done)));

  const client = () =>
    new ServiceClient(
      { attestation: url, resellerRelationship: url, orderGate: url, audit: url },
      'the-token',
    );

  it('calls on behalf of the user with their bearer token, leaving empty filters out', async () => {
    const body = await client().get<{ url: string }>('audit', '/v1/audit/events', {
      orderId: 'o 1',
      partnerId: '',
    });
    expect(body.url).toBe('/v1/audit/events?orderId=o+1');
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer the-token');
  });

  it('keeps a service’s refusal in its own words', async () => {
    const error = await client()
      .get('attestation', '/v1/refused')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).status).toBe(403);
    expect((error as ServiceError).description).toBe('Only an AdminAgent may.');
    expect((error as ServiceError).body.errorName).toBe('Forbidden');
  });

  it('says plainly when a service fails or does not answer', async () => {
    const broken = (await client()
      .get('orderGate', '/v1/broken')
      .catch((e: unknown) => e)) as ServiceError;
    expect(broken.description).toBe('The order-gate service is not answering right now: try again shortly.');
    const away = new ServiceClient(
      { attestation: 'http://127.0.0.1:1', resellerRelationship: url, orderGate: url, audit: url },
      't',
    );
    const refused = (await away.get('attestation', '/v1/x').catch((e: unknown) => e)) as ServiceError;
    expect(refused.status).toBe(503);
  });

  it('encodes what a user typed into one path segment, so it never reaches another route', () => {
    expect(segment('../v1/audit/verify')).toBe('..%2Fv1%2Faudit%2Fverify');
    expect(new URL(`/v1/audit/orders/${segment('../../x?y')}`, 'http://s/').pathname).toBe(
      '/v1/audit/orders/..%2F..%2Fx%3Fy',
    );
  });
});
