import { randomUUID } from 'crypto';
import { IncomingMessage, request } from 'http';
import { Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { auditHarness, events, givenRunningAudit, inboundMessage, parseCsv } from '../audit.harness';

/** U-03: the export, NDJSON and CSV, filtered like the reads and streamed at its reader's pace. */
describe('U-03 export: NDJSON and CSV, filtered like the reads, streamed (real broker, real database)', () => {
  const sut = givenRunningAudit('audit-export');
  const audit = auditHarness(sut);

  it('U-03: exports NDJSON and CSV with every field of the log, filtered like the reads', async () => {
    const customerTenantId = randomUUID();
    const published = [
      events.attested(randomUUID(), customerTenantId),
      events.relationshipAccepted(randomUUID(), customerTenantId),
    ];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));
    const { body } = await audit.get('/v1/audit/events', { customerTenantId });

    const ndjson = await audit.get('/v1/audit/export', { customerTenantId, format: 'ndjson' });
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers['content-type']).toMatch(/application\/x-ndjson/);
    expect(ndjson.text.endsWith('\n')).toBe(true);
    const lines = ndjson.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(body.items);
    expect(lines.map((l) => l.envelope)).toEqual(published);

    const csv = await audit.get('/v1/audit/export', { customerTenantId, format: 'csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const [header, ...rows] = parseCsv(csv.text);
    expect(header).toEqual([
      'sequence',
      'eventId',
      'eventType',
      'topic',
      'partition',
      'offset',
      'key',
      'kafkaTimestamp',
      'receivedAt',
      'occurredAt',
      'partnerId',
      'customerTenantId',
      'orderId',
      'invalidReason',
      'hash',
      'headers',
      'envelope',
      'raw',
    ]);
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      const item = body.items[i];
      const record = Object.fromEntries(header.map((h, j) => [h, row[j]]));
      expect(record).toMatchObject({
        sequence: String(item.sequence),
        eventId: item.eventId,
        eventType: item.eventType,
        topic: item.topic,
        offset: item.offset,
        key: customerTenantId,
        receivedAt: item.receivedAt,
        customerTenantId,
        invalidReason: '',
        hash: item.hash,
        raw: '',
      });
      expect(JSON.parse(record.envelope)).toEqual(published[i]);
    });
  });

  it('U-03: the export filters by values that need quoting in SQL exactly as the reads do', async () => {
    const customerTenantId = randomUUID();
    const tag = randomUUID();
    const orderIds = [`it's a "quote" \\ and $1 and ? ${tag}`, `${tag}' OR ''='`, `${tag}\\'; SELECT 1; --`];
    const published = orderIds.map((orderId) =>
      events.orderRequested(randomUUID(), customerTenantId, orderId),
    );
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));
    for (const [i, orderId] of orderIds.entries()) {
      const read = await audit.get('/v1/audit/events', { orderId });
      expect(read.body.items.map((item: any) => item.eventId)).toEqual([published[i].eventId]);
      const exported = await audit.get('/v1/audit/export', { orderId, format: 'ndjson' });
      expect(exported.status).toBe(200);
      expect(
        exported.text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual(read.body.items);
    }
  });

  describe('a large export', () => {
    const customerTenantId = randomUUID();
    const ROWS = 3000;
    /** About 20 kB a line: 60 MB in all, more than the sockets between PostgreSQL and a reader hold. */
    const padding = 'x'.repeat(20000);
    /** The offsets the rows were appended with, in the order they were appended. */
    const appendedOffsets: string[] = [];

    beforeAll(async () => {
      const base = Date.now();
      for (let from = 0; from < ROWS; from += 500) {
        const messages = Array.from({ length: 500 }, (_, i) =>
          inboundMessage({
            topic: Topics.AgreementsAcceptance,
            partition: 0,
            offset: String(base + from + i),
            key: customerTenantId,
            value: JSON.stringify({ ...events.attested(randomUUID(), customerTenantId), padding }),
            timestamp: String(base),
          }),
        );
        await audit.append(messages);
        appendedOffsets.push(...messages.map((m) => m.offset));
      }
    }, 60000);

    /** The export's COPY, while PostgreSQL runs it. */
    const runningCopies = async () =>
      (
        await sut.pg.query(`SELECT pid, wait_event FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY (SELECT%'`)
      ).rows;

    /** Adds the response's bytes to `chunks` as they come; resolves once the first have come. */
    function collect(res: IncomingMessage, chunks: Buffer[]): Promise<void> {
      return new Promise((resolve) =>
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          resolve();
        }),
      );
    }

    async function startExport(): Promise<IncomingMessage> {
      const url = new URL(
        `${sut.service.url}/v1/audit/export?format=ndjson&customerTenantId=${customerTenantId}`,
      );
      const authorization = await audit.auditor();
      return new Promise((resolve, reject) => {
        const req = request(url, { headers: { Authorization: authorization } }, resolve);
        req.on('error', reject);
        req.end();
      });
    }

    it('U-03: streams at the pace of its reader: while the reader waits, so does PostgreSQL, and nothing is lost', async () => {
      const res = await startExport();
      expect(res.statusCode).toBe(200);
      const chunks: Buffer[] = [];
      await collect(res, chunks);
      res.pause();
      // The reader holds back: the service stops reading PostgreSQL instead of buffering 60 MB.
      await eventually(async () =>
        expect(await runningCopies()).toEqual([expect.objectContaining({ wait_event: 'ClientWrite' })]),
      );
      const ended = new Promise((r) => res.on('end', r));
      res.resume();
      await ended;
      const lines = Buffer.concat(chunks).toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      const items = lines.map((l) => JSON.parse(l));
      expect(items).toHaveLength(ROWS);
      expect(items.map((item) => item.offset)).toEqual(appendedOffsets);
      expect(items.every((item) => item.envelope.padding === padding)).toBe(true);
    });

    it('U-03: stops when its reader goes away, and the service exports again at once', async () => {
      const res = await startExport();
      await collect(res, []);
      res.destroy();
      await eventually(async () => expect(await runningCopies()).toEqual([]));
      const again = await audit.get('/v1/audit/export', { customerTenantId, format: 'csv' });
      expect(again.status).toBe(200);
      expect(again.text.split('\r\n')).toHaveLength(ROWS + 2);
    });
  });
});
