/** Builds the papers' dependencies once per container (call at module scope). */
import { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import { bucketEnv, readConfig, tableEnv } from "../config.ts";
import { documentClient } from "../review/deps.ts";
import { CaseStore } from "../store/case-store.ts";
import type { PapersDeps } from "./service.ts";

/** Where the QR codes point: the API's URL or the web domain (set on the function by the stack). */
const papersEnv = tableEnv.extend(bucketEnv.shape).extend({ PUBLIC_BASE_URL: z.url() });

export function papersDeps(): PapersDeps {
  const config = readConfig(papersEnv);
  const client = documentClient();
  return {
    client,
    tableName: config.TABLE_NAME,
    s3: new S3Client({}),
    bucketName: config.BUCKET_NAME,
    cases: new CaseStore(client, config.TABLE_NAME),
    now: () => new Date(),
    publicBaseUrl: config.PUBLIC_BASE_URL,
  };
}
