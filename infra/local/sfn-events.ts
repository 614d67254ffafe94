/**
 * "Step Functions Execution Status Change" events for the local cloud: the
 * EventBridge event AWS puts on the default bus when an execution starts or
 * closes, the rules of the synthesized template that listen to it, and the
 * part of EventBridge's pattern language those rules use.
 */
import { randomUUID } from "node:crypto";
import { isRecord } from "./sfn-definition.ts";
import type { ExecutionRecord } from "./sfn-store.ts";
import type { CfnTemplate, CfnValue } from "./template.ts";

export const STATUS_CHANGE_DETAIL_TYPE = "Step Functions Execution Status Change";

/** An EventBridge event, as a rule's Lambda target receives it. */
export interface EventBridgeEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The status change event for the record's current status (RUNNING, or how it closed). */
export function statusChangeEvent(
  record: ExecutionRecord,
  where: { region: string; account: string },
  now: number,
): EventBridgeEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": STATUS_CHANGE_DETAIL_TYPE,
    source: "aws.states",
    account: where.account,
    // EventBridge times have whole seconds.
    time: `${new Date(now).toISOString().slice(0, 19)}Z`,
    region: where.region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate ?? null,
      input: record.input,
      output: record.output ?? null,
      inputDetails: { included: true },
      outputDetails: record.output === undefined ? null : { included: true },
      error: record.error ?? null,
      cause: record.cause ?? null,
      redriveCount: record.redriveCount ?? 0,
      ...(record.redriveDate === undefined ? {} : { redriveDate: record.redriveDate }),
    },
  };
}

// ---------------------------------------------------------------- patterns

function matchesValue(rule: unknown, value: unknown, present: boolean): boolean {
  if (isRecord(rule)) {
    if ("exists" in rule) return rule.exists === present;
    if (!present) return false;
    if (typeof rule.prefix === "string") return typeof value === "string" && value.startsWith(rule.prefix);
    if ("anything-but" in rule) {
      const excluded = rule["anything-but"];
      const list = Array.isArray(excluded) ? excluded : [excluded];
      return !list.some((item) => matchesValue(item, value, present));
    }
    // A content filter this emulator does not know matches nothing (never a silent match).
    return false;
  }
  if (!present) return false;
  if (Array.isArray(value)) return value.some((item) => matchesValue(rule, item, true));
  return rule === value;
}

/**
 * Whether `event` matches an EventBridge event pattern: every field of the
 * pattern must be present in the event and match one of the listed values
 * (exact strings, numbers, booleans or null; `prefix`, `exists` and
 * `anything-but` filters); nested objects match nested fields.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isRecord(pattern)) return false;
  const subject = isRecord(event) ? event : {};
  return Object.entries(pattern).every(([field, rule]) => {
    const present = Object.hasOwn(subject, field);
    const value = subject[field];
    if (isRecord(rule)) return present && isRecord(value) && matchesPattern(rule, value);
    if (!Array.isArray(rule)) return false;
    return rule.some((allowed) => matchesValue(allowed, value, present));
  });
}

// ---------------------------------------------------------------- rules

export interface EventRuleTarget {
  readonly arn: string;
  /** The target's constant `Input` (JSON), instead of the event. */
  readonly input?: unknown;
}

export interface EventRule {
  readonly logicalId: string;
  readonly pattern: Readonly<Record<string, unknown>>;
  /** Lambda function targets; other target types are not emulated. */
  readonly targets: readonly EventRuleTarget[];
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+$/;

/**
 * The enabled rules of the template on the default event bus, with their Lambda
 * targets; `resolve` resolves intrinsic functions (template.ts resolveIntrinsics).
 */
export function eventRulesFromTemplate(
  template: CfnTemplate,
  resolve: (value: CfnValue) => CfnValue,
): EventRule[] {
  const rules: EventRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Events::Rule") continue;
    const properties = resource.Properties ?? {};
    if (properties.State !== undefined && properties.State !== "ENABLED") continue;
    if (properties.EventBusName !== undefined && properties.EventBusName !== "default") continue;
    const raw = resolve(properties.EventPattern);
    const pattern: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
    if (!isRecord(pattern)) continue;
    const targets: EventRuleTarget[] = [];
    for (const target of Array.isArray(properties.Targets) ? properties.Targets : []) {
      if (!isRecord(target)) continue;
      const arn = resolve(target.Arn);
      if (typeof arn !== "string" || !LAMBDA_ARN.test(arn)) continue;
      const input = typeof target.Input === "string" ? (JSON.parse(target.Input) as unknown) : undefined;
      targets.push(input === undefined ? { arn } : { arn, input });
    }
    if (targets.length > 0) rules.push({ logicalId, pattern, targets });
  }
  return rules;
}

/**
 * Delivers an event to every matching rule's targets; rejects when a target
 * failed (the caller retries: delivery is at least once, targets must be idempotent).
 */
export async function deliverEvent(
  rules: readonly EventRule[],
  event: EventBridgeEvent,
  invoke: (functionArn: string, payload: unknown) => Promise<unknown>,
): Promise<number> {
  const deliveries = rules
    .filter((rule) => matchesPattern(rule.pattern, event))
    .flatMap((rule) => rule.targets.map((target) => invoke(target.arn, target.input ?? event)));
  const results = await Promise.allSettled(deliveries);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return deliveries.length;
}
