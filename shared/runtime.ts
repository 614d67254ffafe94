/**
 * Module-scope singletons for handlers: SDK clients built once per container,
 * configuration read once and validated (fail fast at load). Each getter is
 * lazy so a handler only builds the clients it uses.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { readConfig, tableEnv, workflowEnv } from "./config.ts";
import { getShippedPolicy } from "./domain/policy/shipped-policies.ts";
import type { CountyPolicy } from "./schemas/policy.ts";
import { CaseStore } from "./store/case-store.ts";

const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};

export const documentClient = once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
);
export const s3Client = once(() => new S3Client({}));
export const sfnClient = once(() => new SFNClient({}));

export const tableName = once(() => readConfig(tableEnv).TABLE_NAME);
export const stateMachineArn = once(() => readConfig(workflowEnv).STATE_MACHINE_ARN);
export const caseStore = once(() => new CaseStore(documentClient(), tableName()));

/** The county's policy, named by the deployment (COUNTY_POLICY_ID); the Sichuan default otherwise. */
export const countyPolicy = once(
  (): CountyPolicy =>
    getShippedPolicy(
      readConfig(z.object({ COUNTY_POLICY_ID: z.string().min(1).default("sichuan-default") }))
        .COUNTY_POLICY_ID,
    ),
);
