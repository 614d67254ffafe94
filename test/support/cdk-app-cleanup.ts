/** Setup file of the infra project: each file's CDK apps leave no folder behind (./cdk-app.ts). */
import { afterAll } from "vitest";
import { removeTestOutdirs } from "./cdk-app.ts";

afterAll(removeTestOutdirs);
