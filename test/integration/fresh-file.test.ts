import { describe, expect, it } from "vitest";
import { startAsFreshFile } from "../support/fresh-file.ts";
import { startTestCloud } from "../support/local-cloud.ts";

// The integration files share a worker; each must still start as in a worker of its own.
describe("a file after another in the same worker", () => {
  it("sees the worker's process.env, not what the last file's local cloud set", async () => {
    const before = { ...process.env };
    const env = await startTestCloud();
    await env.stop();
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(env.cloud.endpoints.dynamodb);
    process.env.HOME = "/elsewhere";

    startAsFreshFile();

    for (const key of ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "FIELD_KEY_FILE", "TABLE_NAME"]) {
      expect(before[key], key).toBeUndefined();
      expect(process.env[key], key).toBeUndefined();
    }
    expect(process.env.HOME).toBe(before.HOME);
  });

  it("builds the handlers' SDK clients and configuration again, from its own environment", async () => {
    process.env.BUCKET_NAME = "bucket-of-the-last-file";
    const last = await import("#shared/runtime.ts");
    expect(last.bucketName()).toBe("bucket-of-the-last-file");

    startAsFreshFile();
    process.env.BUCKET_NAME = "bucket-of-this-file";
    const next = await import("#shared/runtime.ts");

    expect(next).not.toBe(last);
    expect(next.bucketName()).toBe("bucket-of-this-file");
    expect(next.s3Client()).not.toBe(last.s3Client());
    startAsFreshFile();
  });

  it("keeps the packages the worker loaded (the reason to share it)", async () => {
    const { S3Client } = await import("@aws-sdk/client-s3");
    startAsFreshFile();
    expect((await import("@aws-sdk/client-s3")).S3Client).toBe(S3Client);
  });

  it("checks its API answers with the contract the worker compiled for the same document", async () => {
    const last = (await import("../support/contract.ts")).apiContract();
    startAsFreshFile();
    const next = await import("../support/contract.ts");
    expect(next.apiContract()).toBe(last);
  });

  it("gets the worker's own fetch back, not the last file's contract-checking wrapper", async () => {
    startAsFreshFile();
    const own = globalThis.fetch;
    // As the next file would: its own evaluation of the test support, which wraps fetch again.
    const next = await import("../support/local-cloud.ts");
    const env = await next.startTestCloud();
    await env.stop();
    expect(globalThis.fetch).not.toBe(own);

    startAsFreshFile();

    expect(globalThis.fetch).toBe(own);
  });
});
