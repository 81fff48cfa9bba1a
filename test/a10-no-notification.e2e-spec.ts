import { randomUUID } from 'crypto';
import { createServer as createHttpServer, request as httpRequest, Server as HttpServer } from 'node:http';
import { AddressInfo, connect, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { Producer } from 'kafkajs';
import { buildEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  kafkaBrokers,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

/*
 * A-10 and U-06 observed from outside: the services run as an operator who has mail, SMS and webhook
 * infrastructure would run them, with every variable a mail, SMS, webhook or proxy-aware HTTP library
 * reads pointing at two sinks on 127.0.0.1 that record every connection. Every flow that handles a
 * customer's contact then runs through the public interfaces, and neither sink may see a connection.
 * A mailer with a hard-coded host would bypass the sinks, so every TCP connection this process opens
 * while the services run is also watched: it must go to the broker, the database or a service.
 */

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const CONTACT = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada.lovelace@fabrikam.example',
  phoneNumber: '+1 425 555 0100',
};
const SIGNER = { firstName: 'Alex', lastName: 'Wilber', email: 'alex.wilber@fabrikam.example' };
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60000).toISOString();

interface SinkConnection {
  from: string;
  /** Everything the client sent, as text. */
  received: string;
}

/** Just enough SMTP for any client to deliver a message: greets, says yes to everything, takes the DATA. */
class SmtpSink {
  readonly connections: SinkConnection[] = [];
  private readonly server: TcpServer = createTcpServer((socket) => this.converse(socket));

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  clear(): void {
    this.connections.length = 0;
  }

  private converse(socket: Socket): void {
    const connection: SinkConnection = { from: `${socket.remoteAddress}:${socket.remotePort}`, received: '' };
    this.connections.push(connection);
    let pending = '';
    let inData = false;
    socket.on('error', () => undefined);
    socket.write('220 sink.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      connection.received += text;
      pending += text;
      for (;;) {
        if (inData) {
          const end = pending.indexOf('\r\n.\r\n');
          if (end < 0) return;
          pending = pending.slice(end + 5);
          inData = false;
          socket.write('250 2.0.0 queued\r\n');
          continue;
        }
        const lineEnd = pending.indexOf('\r\n');
        if (lineEnd < 0) return;
        const command = pending.slice(0, lineEnd).split(' ')[0].toUpperCase();
        pending = pending.slice(lineEnd + 2);
        if (command === 'EHLO') socket.write('250-sink.test\r\n250 8BITMIME\r\n');
        else if (command === 'DATA') {
          inData = true;
          socket.write('354 end with <CRLF>.<CRLF>\r\n');
        } else if (command === 'AUTH') socket.write('235 2.7.0 accepted\r\n');
        else if (command === 'QUIT') socket.end('221 2.0.0 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  }
}

/** Records every connection and every request, proxy CONNECTs included, and answers 202 to all. */
class HttpSink {
  readonly connections: SinkConnection[] = [];
  readonly requests: Array<{ method: string; url: string; body: string }> = [];
  private readonly server: HttpServer = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(202).end('{}');
    });
  });

  constructor() {
    this.server.on('connection', (socket: Socket) => {
      const connection: SinkConnection = {
        from: `${socket.remoteAddress}:${socket.remotePort}`,
        received: '',
      };
      this.connections.push(connection);
      socket.on('data', (chunk: Buffer) => (connection.received += chunk.toString('latin1')));
    });
    this.server.on('connect', (req, socket: Socket) => {
      this.requests.push({ method: 'CONNECT', url: req.url ?? '', body: '' });
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  clear(): void {
    this.connections.length = 0;
    this.requests.length = 0;
  }
}

/** What an operator with mail, SMS and webhook infrastructure would have in the services' environment. */
function notifierEnvironment(smtp: SmtpSink, http: HttpSink): Record<string, string> {
  const smtpHost = '127.0.0.1';
  const smtpPort = String(smtp.port);
  const smtpUrl = `smtp://sink:sink@${smtpHost}:${smtpPort}`;
  return {
    SMTP_HOST: smtpHost,
    SMTP_PORT: smtpPort,
    SMTP_SERVER: smtpHost,
    SMTP_URL: smtpUrl,
    SMTP_USER: 'sink',
    SMTP_PASSWORD: 'sink',
    SMTP_SECURE: 'false',
    MAIL_HOST: smtpHost,
    MAIL_PORT: smtpPort,
    MAIL_URL: smtpUrl,
    MAIL_SERVER: smtpHost,
    MAILER_DSN: smtpUrl,
    MAIL_FROM: 'noreply@operator.example',
    EMAIL_HOST: smtpHost,
    EMAIL_PORT: smtpPort,
    EMAIL_SERVER: smtpUrl,
    EMAIL_URL: smtpUrl,
    EMAIL_FROM: 'noreply@operator.example',
    SENDGRID_API_KEY: 'SG.sink',
    SENDGRID_API_URL: http.url,
    SENDGRID_HOST: http.url,
    MAILGUN_API_KEY: 'key-sink',
    MAILGUN_URL: http.url,
    POSTMARK_API_URL: http.url,
    TWILIO_ACCOUNT_SID: 'ACsink',
    TWILIO_AUTH_TOKEN: 'sink',
    TWILIO_API_URL: http.url,
    SMS_URL: http.url,
    SMS_GATEWAY_URL: http.url,
    WEBHOOK_URL: `${http.url}/webhook`,
    NOTIFICATION_URL: `${http.url}/notify`,
    NOTIFY_URL: `${http.url}/notify`,
    SLACK_WEBHOOK_URL: `${http.url}/slack`,
    TEAMS_WEBHOOK_URL: `${http.url}/teams`,
    HTTP_PROXY: http.url,
    HTTPS_PROXY: http.url,
    http_proxy: http.url,
    https_proxy: http.url,
    ALL_PROXY: http.url,
    all_proxy: http.url,
  };
}

/** Sets the variables in process.env too (libraries read it directly); the returned function restores it. */
function exportToProcessEnv(env: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Every TCP connection this process starts (net, tls, http, pg and kafkajs all end in
 * `Socket.prototype.connect`), as host:port, until the returned `stop` puts the method back.
 */
function watchOutboundConnections(): { targets: string[]; stop: () => void } {
  const prototype = Socket.prototype as any;
  const original = prototype.connect;
  const targets: string[] = [];
  prototype.connect = function (this: Socket, ...args: any[]) {
    // net.connect passes its normalized arguments as one array; callers of socket.connect pass them spread.
    const [first, second] = Array.isArray(args[0]) ? args[0] : args;
    if (first && typeof first === 'object') {
      targets.push(first.path ? `unix:${first.path}` : `${first.host ?? 'localhost'}:${first.port}`);
    } else if (typeof first === 'string' && !/^\d+$/.test(first)) targets.push(`unix:${first}`);
    else targets.push(`${typeof second === 'string' ? second : 'localhost'}:${first}`);
    return original.apply(this, args);
  };
  return { targets, stop: () => (prototype.connect = original) };
}

/** One full SMTP delivery to the sink, as a mailer would make it: the positive control. */
function sendOneMail(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const script = [
      'EHLO control.test',
      'MAIL FROM:<control@operator.example>',
      `RCPT TO:<${CONTACT.email}>`,
      'DATA',
      `Subject: control\r\n\r\nhello\r\n.`,
      'QUIT',
    ];
    let transcript = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      transcript += chunk.toString('latin1');
      const replies = transcript.split('\r\n').filter((line) => /^\d{3} /.test(line)).length;
      if (replies <= script.length) socket.write(`${script[replies - 1]}\r\n`);
    });
    socket.on('close', () => resolve(transcript));
  });
}

function postOneWebhook(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.end(JSON.stringify({ to: CONTACT.email }));
  });
}

describe('A-10, U-06: nobody is ever notified, even by services configured with mail, SMS and webhook infrastructure', () => {
  const kafka = testKafka('a10-no-notification-e2e');
  const smtp = new SmtpSink();
  const webhooks = new HttpSink();
  const control: {
    mailTranscript?: string;
    webhookStatus?: number;
    smtp?: SinkConnection[];
    http?: string[];
  } = {};
  let restoreEnv: () => void = () => undefined;
  let outbound: ReturnType<typeof watchOutboundConnections> | undefined;
  let db: TestDatabase;
  let relationships: RunningService;
  let attestation: RunningService;
  let gate: RunningService;
  let audit: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    await Promise.all([smtp.start(), webhooks.start()]);
    control.mailTranscript = await sendOneMail(smtp.port);
    control.webhookStatus = await postOneWebhook(webhooks.url);
    control.smtp = [...smtp.connections];
    control.http = webhooks.requests.map((r) => `${r.method} ${r.url} ${r.body}`);
    smtp.clear();
    webhooks.clear();

    const env = notifierEnvironment(smtp, webhooks);
    restoreEnv = exportToProcessEnv(env);
    outbound = watchOutboundConnections();
    db = await createTestDatabase('a10_no_notification_e2e');
    const common = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('a10-no-notification'), env };
    [relationships, attestation, gate, audit] = await Promise.all([
      startService('reseller-relationship', (c) => ResellerRelationshipModule.forRoot(c), common),
      startService('attestation', (c) => AttestationModule.forRoot(c), common),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
      startService('audit', (c) => AuditModule.forRoot(c), common),
    ]);
    recorder = await new TopicRecorder(kafka, [
      Topics.PartnersRelationships,
      Topics.AgreementsAcceptance,
      Topics.OrdersDecided,
    ]).start();
    producer = await connectedProducer(kafka);
  }, 120000);

  afterAll(async () => {
    outbound?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    await Promise.allSettled([relationships, attestation, gate, audit].map((s) => s?.close()));
    await db?.drop();
    restoreEnv();
    await Promise.allSettled([smtp.stop(), webhooks.stop()]);
  });

  it('positive control: the sinks record a mail delivery and a webhook call when something does connect', () => {
    expect(control.smtp).toHaveLength(1);
    expect(control.smtp![0].received).toContain(`RCPT TO:<${CONTACT.email}>`);
    expect(control.smtp![0].received).toContain('Subject: control');
    expect(control.mailTranscript).toMatch(/^220 /);
    expect(control.mailTranscript).toContain('221 ');
    expect(control.webhookStatus).toBe(202);
    expect(control.http).toEqual([`POST /webhook ${JSON.stringify({ to: CONTACT.email })}`]);
  });

  const recorded = (topic: string, eventType: string, match: (data: any) => boolean) =>
    recorder.on(topic).filter((m) => m.json?.eventType === eventType && match(m.json.data));

  function orderRequested(partnerId: string, customerTenantId: string, kind: string) {
    const data = {
      orderId: `a10-${randomUUID()}`,
      partnerId,
      customerTenantId,
      kind,
      channel: 'Api',
      requestedAt: new Date().toISOString(),
      ...(kind === 'NewPurchase' ? {} : { subscriptionId: `sub-${randomUUID()}` }),
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 3 }],
    } as OrderRequestedV1;
    return buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
  }

  it('A-10, U-06: registration, customer creation, invitation, direct acceptance, attestation with the contact, withdrawal and orders reach no mail server, SMS gateway, webhook or proxy', async () => {
    const partnerId = randomUUID();
    const partner = await bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
    await relationships
      .http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send({ id: partnerId, name: 'Contoso Partner', partnerType: 'DirectBill', cloud: 'Public' })
      .expect(201);

    const created = await relationships
      .http()
      .post('/v1/customers')
      .set('Authorization', partner)
      .send({ companyProfile: { companyName: 'Fabrikam' }, primaryContact: CONTACT, country: 'US' })
      .expect(201);
    const createdCustomer: string = created.body.id;

    const invitation = await relationships
      .http()
      .get('/v1/customers/relationshiprequests')
      .set('Authorization', partner)
      .expect(200);
    const invitedCustomer = randomUUID();
    await relationships
      .http()
      .post(`/v1/invitations/${invitation.body.token}/accept`)
      .set('Authorization', await bearer({ tenantId: invitedCustomer, roles: ['Customer'] }))
      .send({
        acceptCustomerAgreement: true,
        templateId: MCA_TEMPLATE,
        signer: SIGNER,
        cloud: 'Public',
        country: 'US',
      })
      .expect(200);

    await relationships
      .http()
      .post(`/v1/customers/${createdCustomer}/agreements/direct`)
      .set('Authorization', await bearer({ tenantId: createdCustomer, roles: ['Customer'] }))
      .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(2), signer: SIGNER })
      .expect(201);

    const attested = await attestation
      .http()
      .post(`/v1/customers/${createdCustomer}/agreements`)
      .set('Authorization', partner)
      .send({
        primaryContact: CONTACT,
        dateAgreed: minutesAgo(1),
        templateId: MCA_TEMPLATE,
        type: 'MicrosoftCustomerAgreement',
      });
    expect(attested.status).toBe(201);
    expect(attested.body.primaryContact).toMatchObject(CONTACT);

    await attestation
      .http()
      .post(`/v1/customers/${createdCustomer}/agreements/withdrawals`)
      .set('Authorization', partner)
      .send({ type: 'MicrosoftCustomerAgreement', reason: 'The customer no longer agrees.' })
      .expect(201);

    const orders = [
      orderRequested(partnerId, invitedCustomer, 'NewPurchase'),
      orderRequested(partnerId, createdCustomer, 'NewPurchase'),
      orderRequested(partnerId, createdCustomer, 'Cancellation'),
    ];
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: orders.map((o) => ({ key: o.data.customerTenantId, value: JSON.stringify(o) })),
    });
    const precheck = await gate
      .http()
      .post('/v1/orders/precheck')
      .set('Authorization', partner)
      .send(orderRequested(partnerId, createdCustomer, 'SeatChange').data);
    expect(precheck.status).toBe(200);

    // The effects of every flow are visible: its events, the decisions, and the audit's copy of them all.
    await eventually(
      () => {
        expect(
          recorded(Topics.PartnersRelationships, 'PartnerRegistered', (d) => d.partnerId === partnerId),
        ).toHaveLength(1);
        expect(
          recorded(
            Topics.PartnersRelationships,
            'CustomerTenantCreated',
            (d) => d.customerTenantId === createdCustomer,
          ),
        ).toHaveLength(1);
        expect(
          recorded(
            Topics.PartnersRelationships,
            'ResellerRelationshipAccepted',
            (d) => d.customerTenantId === invitedCustomer,
          ),
        ).toHaveLength(1);
        expect(
          recorded(Topics.AgreementsAcceptance, 'CustomerAgreementAccepted', (d) =>
            [createdCustomer, invitedCustomer].includes(d.customerTenantId),
          ),
        ).toHaveLength(2);
        expect(
          recorded(
            Topics.AgreementsAcceptance,
            'AgreementAttested',
            (d) => d.customerTenantId === createdCustomer,
          ),
        ).toHaveLength(1);
        expect(
          recorded(
            Topics.AgreementsAcceptance,
            'AgreementAttestationWithdrawn',
            (d) => d.customerTenantId === createdCustomer,
          ),
        ).toHaveLength(1);
        const decided = recorder.on(Topics.OrdersDecided).map((m) => m.json?.data?.orderId);
        for (const order of orders) expect(decided).toContain(order.data.orderId);
      },
      { timeoutMs: 30000 },
    );
    const auditor = await operatorBearer(['Auditor']);
    await eventually(
      async () => {
        const trail = await audit
          .http()
          .get('/v1/audit/events')
          .query({ customerTenantId: createdCustomer, limit: 100 })
          .set('Authorization', auditor);
        expect(trail.status).toBe(200);
        expect(trail.body.items.map((i: { eventType: string }) => i.eventType)).toEqual(
          expect.arrayContaining([
            'CustomerTenantCreated',
            'CustomerAgreementAccepted',
            'AgreementAttested',
            'AgreementAttestationWithdrawn',
            'OrderRequested',
            'OrderApproved',
          ]),
        );
      },
      { timeoutMs: 30000 },
    );
    await audit
      .http()
      .get(`/v1/audit/customers/${createdCustomer}/evidence`)
      .set('Authorization', auditor)
      .expect(200);

    expect(smtp.connections).toEqual([]);
    expect(webhooks.connections).toEqual([]);
    expect(webhooks.requests).toEqual([]);

    const database = `${new URL(db.url).hostname}:${new URL(db.url).port || 5432}`;
    const services = [relationships, attestation, gate, audit].map((s) => `127.0.0.1:${new URL(s.url).port}`);
    // The watch works: it saw the services reach their database and the test reach the services.
    expect(outbound!.targets).toEqual(expect.arrayContaining([database, ...services]));
    const allowed = new Set([...kafkaBrokers(), ...(await advertisedBrokers()), database, ...services]);
    expect([...new Set(outbound!.targets)].filter((target) => !allowed.has(target))).toEqual([]);
  });

  async function advertisedBrokers(): Promise<string[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`);
    } finally {
      await admin.disconnect();
    }
  }
});
