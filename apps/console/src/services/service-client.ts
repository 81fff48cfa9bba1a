/*
 * The four services' public HTTP APIs, called on behalf of the signed-in user with their access token. The
 * console adds no rule of its own: what a user may see or do is what the services answer them. Errors keep
 * the services' words (Partner Center's shape: errorName, description).
 */
import type { ConsoleConfig } from '../config';

export type ServiceName = keyof ConsoleConfig['services'];

const LABELS: Record<ServiceName, string> = {
  attestation: 'attestation',
  resellerRelationship: 'reseller-relationship',
  orderGate: 'order-gate',
  audit: 'audit',
};

export interface ServiceErrorBody {
  code?: number;
  errorName?: string;
  description?: string;
  isRetryable?: boolean;
}

export class ServiceError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly status: number,
    readonly body: ServiceErrorBody,
  ) {
    super(body.description ?? `${service} answered ${status}`);
    this.name = 'ServiceError';
  }

  /** What to show: the service's own description, or a plain sentence when it gave none. */
  get description(): string {
    if (this.body.description) return this.body.description;
    if (this.status === 401) return 'Your sign-in has expired: sign in again.';
    const service = LABELS[this.service];
    if (this.status >= 500) return `The ${service} service is not answering right now: try again shortly.`;
    return `The ${service} service refused the request (${this.status}).`;
  }
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface Download {
  contentType: string;
  disposition?: string;
  body: Buffer;
}

const TIMEOUT_MS = 15_000;

export class ServiceClient {
  constructor(
    private readonly urls: ConsoleConfig['services'],
    private readonly accessToken: string,
  ) {}

  get<T>(service: ServiceName, path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return this.call<T>(service, 'GET', path, query).then((a) => a.body);
  }

  post<T>(service: ServiceName, path: string, body: unknown = {}): Promise<Answer<T>> {
    return this.call<T>(service, 'POST', path, {}, body);
  }

  /** A file the service makes (CSV, NDJSON, JSON), passed on as it is. */
  async download(
    service: ServiceName,
    path: string,
    query: Record<string, string | undefined>,
    accept: string,
  ): Promise<Download> {
    const response = await this.fetch(service, 'GET', path, query, undefined, accept);
    if (!response.ok) throw await this.errorOf(service, response);
    return {
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      disposition: response.headers.get('content-disposition') ?? undefined,
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  private async call<T>(
    service: ServiceName,
    method: string,
    path: string,
    query: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<Answer<T>> {
    const response = await this.fetch(service, method, path, query, body, 'application/json');
    if (!response.ok) throw await this.errorOf(service, response);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  private async fetch(
    service: ServiceName,
    method: string,
    path: string,
    query: Record<string, string | undefined>,
    body: unknown,
    accept: string,
  ): Promise<Response> {
    const url = new URL(path, `${this.urls[service]}/`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(name, value);
    }
    try {
      return await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          accept,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new ServiceError(service, 503, {});
    }
  }

  private async errorOf(service: ServiceName, response: Response): Promise<ServiceError> {
    let body: ServiceErrorBody = {};
    try {
      const parsed = JSON.parse(await response.text()) as unknown;
      if (parsed && typeof parsed === 'object') body = parsed as ServiceErrorBody;
    } catch {
      // Not JSON: the status alone says what happened.
    }
    return new ServiceError(service, response.status, body);
  }
}

/** A path segment from what someone typed: encoded, so it can never reach another route of the service. */
export const segment = (value: string) => encodeURIComponent(value);
