/**
 * The one HTTP client of both pages: bearer token, JSON envelope, and the API's own sentence on every refusal.
 * Base URLs come from `config.json` (written by the CDK deployment with the Function URLs); locally the file holds
 * empty strings and the pages call their own origin.
 */

export interface PagesConfig {
  /** Base URL of the payouts function (affiliate routes), '' for the page's origin. */
  payoutsUrl: string;
  /** Base URL of the admin payouts function, '' for the page's origin. */
  adminUrl: string;
  /** Whether this deployment e-mails affiliates (issue 12): the pages only say "we e-mailed you" when it does. */
  emails: boolean;
}

let configPromise: Promise<PagesConfig> | undefined;

/** Loads config.json once; a missing file means "same origin". */
export function loadConfig(): Promise<PagesConfig> {
  // Same request as the HTML's <link rel=preload>, so the file is fetched once, alongside the script.
  configPromise ??= fetch('/config.json')
    .then(
      async (response): Promise<Partial<PagesConfig>> =>
        response.ok ? ((await response.json()) as Partial<PagesConfig>) : {},
    )
    .catch((): Partial<PagesConfig> => ({}))
    .then((config) => ({
      payoutsUrl: trimSlash(config.payoutsUrl ?? ''),
      adminUrl: trimSlash(config.adminUrl ?? ''),
      emails: config.emails === true,
    }));
  return configPromise;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** A refusal or failure, with the server's sentence and machine code when it sent them. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The token is missing, expired or no longer accepted. */
  get sessionEnded(): boolean {
    return this.status === 401;
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  /** DELETE (the console removes a webhook endpoint). */
  del<T>(path: string): Promise<T>;
  /** The raw response of a GET (the CSV export reads text and headers; receipts read bytes). */
  raw(path: string): Promise<Response>;
}

/**
 * @example const api = createClient(() => config.payoutsUrl, token); const data = await api.get<SummaryView>('/payouts/summary');
 */
export function createClient(
  base: () => Promise<string>,
  token: string | undefined,
  onSessionEnded: () => void,
): ApiClient {
  async function send(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${await base()}${path}`, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.headers as Record<string, string>),
        },
      });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => undefined)) as { message?: string; code?: string } | undefined;
    const error = new ApiError(
      response.status,
      body?.code ?? `HTTP_${response.status}`,
      body?.message ?? `The server answered ${response.status}. Try again in a moment.`,
    );
    if (error.sessionEnded) onSessionEnded();
    throw error;
  }
  const data = async <T>(response: Response) => ((await response.json()) as { data: T }).data;
  return {
    get: async (path) => data(await send(path, { method: 'GET' })),
    post: async (path, body, headers = {}) =>
      data(
        await send(path, {
          method: 'POST',
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      ),
    put: async (path, body) =>
      data(
        await send(path, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
    del: async (path) => data(await send(path, { method: 'DELETE' })),
    raw: (path) => send(path, { method: 'GET' }),
  };
}
