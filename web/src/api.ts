/**
 * The API on the same origin: JSON in and out, the session's token, and
 * errors turned into ApiError (status, code, server message and details such
 * as field problems in both languages).
 */
import { currentSession } from "./auth.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** The API's Chinese message (`error.zh`); `message` is the English one. */
    readonly zh?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Fetch failed without an answer: offline, connection dropped. */
export class NetworkError extends Error {
  constructor() {
    super("network");
    this.name = "NetworkError";
  }
}

const listeners = new Set<() => void>();
/** Called when the API says the token is no longer good (401). */
export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface RequestOptions {
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

async function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const token = currentSession()?.token;
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers: {
        accept,
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError();
  }
  if (response.ok) return response;
  let code = "http_error";
  let message = response.statusText;
  let details: unknown;
  let zh: string | undefined;
  try {
    const body = (await response.json()) as {
      message?: string;
      error?: { code?: string; message?: string; zh?: string; details?: unknown };
    };
    code = body.error?.code ?? code;
    message = body.error?.message ?? body.message ?? message;
    zh = body.error?.zh;
    details = body.error?.details;
  } catch {
    // Not JSON: keep the status text.
  }
  if (response.status === 401) for (const listener of listeners) listener();
  throw new ApiError(response.status, code, message, details, zh);
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options, "application/json");
  return (await response.json()) as T;
}

/** The HTTP status with the body: for routes whose 200 and 202 mean different things. */
export async function apiWithStatus<T>(
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: T }> {
  const response = await send(path, options, "application/json");
  return { status: response.status, body: (await response.json()) as T };
}

/** Downloads a CSV route as a file (the token goes in a header, so a plain link cannot do it). */
export async function downloadCsv(path: string, filename: string): Promise<void> {
  const response = await send(path, {}, "text/csv");
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
