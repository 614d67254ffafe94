/**
 * Least privilege per route: the route table's `uses` (shared/http/routes.ts) says
 * what each function may read and write, the stack grants exactly that, no
 * read-only route's role can write anything, and every grant is used by the
 * handler's code.
 *
 * "Used" is read from the handler's bundle (test/support/code-capabilities.ts):
 * esbuild bundles our modules into the handler and tree-shakes them as CDK does
 * for Lambda, and the output must contain a call that needs the grant (a
 * `new PutCommand(` for "table:write", `cursorsFromEnv(` for "cursor-key"…). A
 * grant whose call is not in the code fails; so does a grant the code has no
 * path to once unused exports are shaken off. Granularity is the class: a route
 * using one method of a store class keeps the class's other methods in its
 * bundle, so the converse (code that could write needs a write grant) is not
 * asserted here; reading routes stay read-only by their grants, asserted below.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ENTRY_METADATA, TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS } from "#infra/constructs/function.ts";
import { ROUTES, type RouteDefinition, routeKey } from "#shared/http/routes.ts";
import { appTemplate } from "../support/cdk-app.ts";
import { type Capability, capabilitiesOf } from "../support/code-capabilities.ts";

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

let resources: Resources;
beforeAll(async () => {
  resources = (await appTemplate()).toJSON().Resources as Resources;
}, 300_000);

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every action the role of the function serving `entry` is allowed, from all policies on that role. */
function actionsOf(entry: string): Set<string> {
  const fn = Object.values(resources).find(
    (resource) => resource.Type === "AWS::Lambda::Function" && resource.Metadata?.[ENTRY_METADATA] === entry,
  );
  const role = (fn?.Properties?.Role as { "Fn::GetAtt"?: string[] } | undefined)?.["Fn::GetAtt"]?.[0];
  expect(role, entry).toBeDefined();
  const actions = new Set<string>();
  const add = (statements: readonly Statement[]) => {
    for (const statement of statements) for (const action of [statement.Action].flat()) actions.add(action);
  };
  const roleResource = resources[role ?? ""];
  for (const policy of (roleResource?.Properties?.Policies ?? []) as {
    PolicyDocument: { Statement: Statement[] };
  }[])
    add(policy.PolicyDocument.Statement);
  for (const resource of Object.values(resources)) {
    if (resource.Type !== "AWS::IAM::Policy") continue;
    const roles = (resource.Properties?.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((ref) => ref.Ref === role)) continue;
    add((resource.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? []);
  }
  return actions;
}

const WRITE_ACTIONS = [
  ...TABLE_WRITE_ACTIONS,
  "dynamodb:*",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:*",
  "states:StartExecution",
  "states:StopExecution",
  "states:SendTaskSuccess",
  "states:SendTaskFailure",
  "states:SendTaskHeartbeat",
  "states:RedriveExecution",
  "kms:GenerateDataKey",
  "lambda:InvokeFunction",
];

/** The actions each `uses` entry grants. */
const GRANTS: Readonly<Record<RouteDefinition["uses"][number], readonly string[]>> = {
  "table:read": TABLE_READ_ACTIONS,
  "table:write": TABLE_WRITE_ACTIONS,
  "bucket:read": ["s3:GetObject", "s3:GetObjectVersion"],
  "bucket:write": ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
  "workflow:run": ["states:StartExecution", "states:StopExecution", "states:DescribeExecution"],
  "workflow:respond": ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
  "workflow:recover": ["states:RedriveExecution", "states:StopExecution", "states:DescribeExecution"],
  "personal-data:read": ["kms:Decrypt"],
  "personal-data:write": ["kms:GenerateDataKey"],
  "cursor-key": ["kms:Encrypt", "kms:Decrypt"],
  "imports:start": ["states:StartExecution"],
  "sms:send": ["sms-voice:SendTextMessage"],
};

/** Every function may write its own logs and traces; nothing else comes without a `uses` entry. */
const ALWAYS = [
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
];

const readOnly = (route: RouteDefinition) =>
  !route.uses.some((use) => use.endsWith(":write") || use.startsWith("workflow:"));

describe("least privilege per route", () => {
  it("grants each route's function exactly the actions of its `uses`", () => {
    for (const route of ROUTES) {
      const expected = new Set([...ALWAYS, ...route.uses.flatMap((use) => GRANTS[use])]);
      expect([...actionsOf(route.handler)].sort(), routeKey(route)).toEqual([...expected].sort());
    }
  });

  it("lets no read-only route's role write anything", () => {
    const readers = ROUTES.filter(readOnly);
    expect(readers.map(routeKey)).toEqual(
      expect.arrayContaining([
        "GET /verify/{number}",
        "GET /health",
        "GET /cases/{caseId}",
        "GET /queues/{queue}",
      ]),
    );
    for (const route of readers) {
      const actions = actionsOf(route.handler);
      for (const action of WRITE_ACTIONS)
        expect(actions.has(action), `${routeKey(route)} ${action}`).toBe(false);
    }
  });

  it("gives the public certificate check nothing but item reads of the table", () => {
    const actions = [...actionsOf("functions/api/verify.ts")].filter((action) => !ALWAYS.includes(action));
    expect(actions.sort()).toEqual(["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"]);
  });

  it("gives routes that only read the table no write on it", () => {
    for (const route of ROUTES.filter((candidate) => !candidate.uses.includes("table:write"))) {
      const actions = actionsOf(route.handler);
      for (const action of TABLE_WRITE_ACTIONS)
        expect(actions.has(action), `${routeKey(route)} ${action}`).toBe(false);
    }
  });

  it("grants nothing a handler's code does not use", async () => {
    const byHandler = new Map(ROUTES.map((route) => [route.handler, route]));
    const unused: string[] = [];
    for (const [handler, route] of byHandler) {
      const used = await capabilitiesOf(handler);
      for (const grant of route.uses)
        if (!used.has(grant as Capability)) unused.push(`${routeKey(route)}: ${grant}`);
    }
    expect(unused).toEqual([]);
  }, 120_000);

  it("catches an unused grant (the check can fail)", async () => {
    // The health check reads the table and nothing else: a write grant there would be reported.
    const used = await capabilitiesOf("functions/api/health.ts");
    expect([...used]).toEqual(["table:read"]);
    expect(used.has("table:write")).toBe(false);
  });
});
