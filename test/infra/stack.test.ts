import { Stack } from "aws-cdk-lib";
import { Capture, Match, type Template } from "aws-cdk-lib/assertions";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "#infra/app.ts";
import { LOCAL_SKIP_METADATA } from "#infra/constructs/function.ts";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import { appTemplate, testApp } from "../support/cdk-app.ts";
import { stateMachineDefinition } from "../support/state-machine.ts";

let template: Template;
beforeAll(async () => {
  template = await appTemplate();
});

describe("case table", () => {
  it("copies only keys into the indexes over the case item, which every transition rewrites", () => {
    const projections = Object.fromEntries(
      CASE_TABLE.globalSecondaryIndexes.map((index) => [index.indexName, index.projection ?? "ALL"]),
    );
    expect(projections).toMatchObject({ byOwner: "KEYS_ONLY", byRegister: "KEYS_ONLY", byQueue: "ALL" });
  });

  it("is one on-demand table with PITR, deletion protection and the GSIs of the shared design", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", 1);
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: CASE_TABLE.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            { AttributeName: index.sortKey.name, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: index.projection ?? "ALL" },
        }),
      ),
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });
});

describe("documents bucket", () => {
  it("blocks public access, is encrypted and versioned, takes browser uploads and expires broken uploads and old versions", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: Match.anyValue() }),
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: Match.arrayWith(["PUT"]) })] },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it("denies every request that does not use TLS", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });
});

describe("functions", () => {
  it("run Node 24 on arm64 with their own log group kept at least 180 days", () => {
    // CDK's own deploy-time handler (the web app's BucketDeployment) is marked and asserted in web-hosting.test.ts.
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter(
      (fn) => fn.Metadata?.[LOCAL_SKIP_METADATA] === undefined,
    );
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.LoggingConfig?.LogGroup).toBeDefined();
      expect(fn.Metadata?.["nongfang:entry"]).toMatch(/^functions\/.+\.ts$/);
    }
    const retentions = Object.values(template.findResources("AWS::Logs::LogGroup")).map(
      (group) => group.Properties.RetentionInDays as number,
    );
    expect(Math.min(...retentions)).toBeGreaterThanOrEqual(180);
  });

  it("grant DynamoDB actions only on the case table and its indexes", () => {
    const policies = template.findResources("AWS::IAM::Policy");
    const tableStatements = Object.values(policies).flatMap((policy) =>
      (
        policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]
      ).filter((statement) => [statement.Action].flat().some((action) => action.startsWith("dynamodb:"))),
    );
    expect(tableStatements.length).toBeGreaterThan(0);
    const tableId = Object.keys(template.findResources("AWS::DynamoDB::GlobalTable"))[0];
    for (const statement of tableStatements) {
      expect(JSON.stringify(statement.Resource)).toContain(tableId);
      expect(statement.Resource).not.toEqual("*");
    }
  });
});

describe("approval workflow", () => {
  it("is a Standard state machine that logs ALL events with execution data and traces", () => {
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
      LoggingConfiguration: Match.objectLike({ Level: "ALL", IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it("waits for a reviewer with a task token whose time limit comes from the input, not the template", () => {
    const functionName = new Capture();
    const result = Match.serializedJson(
      Match.objectLike({
        StartAt: "Phase",
        States: Match.objectLike({
          VillageReview: Match.objectLike({
            Type: "Task",
            Resource: Match.stringLikeRegexp("states:::lambda:invoke.waitForTaskToken$"),
            TimeoutSecondsPath: "$.plan.limits.village_review",
            HeartbeatSecondsPath: "$.plan.heartbeats.village_review",
            Parameters: {
              FunctionName: functionName,
              Payload: Match.objectLike({ "taskToken.$": "$$.Task.Token", "caseId.$": "$.caseId" }),
            },
          }),
        }),
      }),
    ).test(stateMachineDefinition(template));
    expect(result.hasFailed(), result.renderMismatch()).toBe(false);
    result.finished(); // commits the captures
    expect(functionName.asString()).toMatch(/^<WorkflowOpenStepFunction\w+\.Arn>$/);
  });
});

describe("HTTP API", () => {
  it("has exactly the routes of the route table", () => {
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map(
      (route) => route.Properties.RouteKey,
    );
    expect(routes.sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it("writes access logs on the default stage", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });
});

describe("cdk-nag (AwsSolutions)", () => {
  it("synthesizes with no unacknowledged finding", () => {
    expect(() => buildApp(testApp()).app.synth()).not.toThrow();
  });

  it("fails the synth when a construct breaks a rule nobody acknowledged", () => {
    const { app, stack } = buildApp(testApp());
    new Bucket(Stack.of(stack), "CarelessBucket");
    expect(() => app.synth()).toThrow(/AwsSolutions/);
  });
});
