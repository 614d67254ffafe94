import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "#infra/local/cloud.ts";
import { checkContractOf } from "./contract-fetch.ts";

export { eventually } from "./eventually.ts";

export interface TestCloud {
  readonly cloud: LocalCloud;
  readonly dataDir: string;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  stop(): Promise<void>;
}

/**
 * A whole local cloud for one test file: random ports, its own temp data
 * folder (so no test sees another's data), real SDK clients pointed at it.
 * Every response its API gives to `fetch` is checked against the OpenAPI
 * document (./contract-fetch.ts): an undocumented status or body fails the test.
 * A file that passes its own `dataDir` means to reopen it (a restart): its
 * DynamoDB items and Step Functions executions are kept on disk; otherwise in
 * memory (less CPU, same engines).
 */
export async function startTestCloud(options: Partial<LocalCloudOptions> = {}): Promise<TestCloud> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "nongfang-test-")));
  const cloud = await startLocalCloud({ inMemory: !options.dataDir, ...options, dataDir });
  const { endpoints } = cloud;
  const common = { region: endpoints.region, credentials: endpoints.credentials };
  const dynamodb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  const s3 = new S3Client({
    ...common,
    endpoint: endpoints.s3,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const sfn = new SFNClient({ ...common, endpoint: endpoints.stepFunctions });
  const stopChecking = checkContractOf(endpoints.api);
  return {
    cloud,
    dataDir,
    dynamodb,
    s3,
    sfn,
    stop: async () => {
      stopChecking();
      dynamodb.destroy();
      s3.destroy();
      sfn.destroy();
      await cloud.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
