import S3rver from "s3rver";
import type { LocalMeter } from "./meter.ts";

/** s3rver's well-known key pair; it does not verify presigned URL signatures. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface LocalS3Options {
  readonly port?: number;
  readonly dataDir: string;
  readonly buckets: readonly string[];
  /** Browser origins allowed to PUT/GET with presigned URLs (the local web app). */
  readonly allowedOrigins: readonly string[];
  /** Benchmarks: report every request (SDK calls and presigned URLs) to `meter.s3` once it is answered. */
  readonly meter?: LocalMeter;
}

export interface LocalS3 {
  readonly endpoint: string;
  close(): Promise<void>;
}

function corsConfiguration(origins: readonly string[]): string {
  const rules = origins
    .map(
      (origin) => `<CORSRule>
    <AllowedOrigin>${origin}</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>`,
    )
    .join("\n");
  return `<CORSConfiguration>${rules}</CORSConfiguration>`;
}

/**
 * S3 on 127.0.0.1, objects kept under dataDir. The endpoint is an IP address,
 * so the SDK addresses buckets path-style with no client option. s3rver checks
 * no presigned signatures, checksums or POST policies: our own code verifies
 * what was uploaded (size, type, SHA-256) before trusting it.
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port ?? 0,
    silent: true,
    directory: options.dataDir,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({
      name,
      configs: options.allowedOrigins.length > 0 ? [corsConfiguration(options.allowedOrigins)] : [],
    })),
  });
  const { port } = await server.run();
  const { meter } = options;
  if (meter) {
    // A listener in front of s3rver's own: it only watches (never reads the body, which s3rver consumes).
    server.httpServer.prependListener("request", (req, res) => {
      res.once("finish", () =>
        meter.s3?.({
          method: req.method ?? "GET",
          url: req.url ?? "/",
          status: res.statusCode,
          requestBytes: Number(req.headers["content-length"] ?? 0) || 0,
          userAgent: String(req.headers["user-agent"] ?? ""),
        }),
      );
    });
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => server.close(),
  };
}
