/**
 * EventBridge scheduled rules of the template (`ScheduleExpression: rate(…)`),
 * run locally: each invokes its Lambda targets once per period with a
 * "Scheduled Event", never overlapping itself (a slow sweep is not started
 * twice). Cron expressions are not emulated (the stack uses none).
 */
import { randomUUID } from "node:crypto";
import type { CfnTemplate, CfnValue } from "./template.ts";

export interface ScheduledRule {
  readonly logicalId: string;
  readonly periodMs: number;
  readonly targets: readonly { readonly arn: string; readonly input?: unknown }[];
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** The period of a `rate(…)` expression in ms; undefined for anything else (cron). */
export function ratePeriodMs(expression: string): number | undefined {
  const match = RATE.exec(expression.trim());
  if (!match) return undefined;
  const [, value, unit] = match;
  return Number(value) * (UNIT_MS[unit ?? ""] ?? Number.NaN);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function scheduledRulesFromTemplate(
  template: CfnTemplate,
  resolve: (value: CfnValue) => CfnValue,
): ScheduledRule[] {
  const rules: ScheduledRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Events::Rule") continue;
    const properties = resource.Properties ?? {};
    if (properties.State !== undefined && properties.State !== "ENABLED") continue;
    const expression = resolve(properties.ScheduleExpression);
    const periodMs = typeof expression === "string" ? ratePeriodMs(expression) : undefined;
    if (periodMs === undefined) continue;
    const targets = (Array.isArray(properties.Targets) ? properties.Targets : []).flatMap((target) => {
      if (!isRecord(target)) return [];
      const arn = resolve(target.Arn as CfnValue);
      if (typeof arn !== "string" || !arn.includes(":lambda:")) return [];
      const input = typeof target.Input === "string" ? (JSON.parse(target.Input) as unknown) : undefined;
      return [input === undefined ? { arn } : { arn, input }];
    });
    if (targets.length > 0) rules.push({ logicalId, periodMs, targets });
  }
  return rules;
}

export interface RunningSchedules {
  close(): Promise<void>;
}

/**
 * Starts every rule's timer. `periodMs` overrides each rule's period (tests and benchmarks
 * shrink time); a failed invocation is reported and the next period tries again, as on AWS.
 */
export function startSchedules(
  rules: readonly ScheduledRule[],
  invoke: (functionArn: string, payload: unknown) => Promise<unknown>,
  options: {
    readonly periodMs?: number;
    readonly region: string;
    readonly onError?: (error: unknown) => void;
  },
): RunningSchedules {
  const inFlight = new Set<Promise<unknown>>();
  const timers = rules.map((rule) => {
    let running: Promise<unknown> | undefined;
    return setInterval(() => {
      if (running) return;
      const event = {
        version: "0",
        id: randomUUID(),
        "detail-type": "Scheduled Event",
        source: "aws.events",
        account: "000000000000",
        time: new Date().toISOString(),
        region: options.region,
        resources: [`arn:aws:events:${options.region}:000000000000:rule/${rule.logicalId}`],
        detail: {},
      };
      running = Promise.allSettled(
        rule.targets.map((target) => invoke(target.arn, target.input ?? event)),
      ).then((results) => {
        for (const result of results) if (result.status === "rejected") options.onError?.(result.reason);
        inFlight.delete(current);
        running = undefined;
      });
      const current = running;
      inFlight.add(current);
    }, options.periodMs ?? rule.periodMs);
  });
  return {
    async close() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
