/**
 * The township register (台账) and the county filing (备案) export: cases of a
 * township by status, newest change first, on the byRegister index (one
 * Query per status partition, merged), with the procedure's key dates.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { AuditRequest } from "../audit/audit-service.ts";
import { type CsvCell, toCsv } from "../audit/csv.ts";
import { REGISTER_ROLES, requireRole } from "../audit/jurisdiction.ts";
import { AuditQueryLog } from "../audit/query-log.ts";
import type { CaseStatus } from "../domain/case-status.ts";
import { NotPermittedError, TimeRangeNotValidError, TownshipRequiredError } from "../errors.ts";
import type { Cursors } from "../http/cursor.ts";
import { type CaseRecord, caseRecordSchema } from "../schemas/case.ts";
import { CASE_ITEM_PREFIX, caseKey, registerPartition } from "../store/keys.ts";
import { batchGetAll } from "../store/query-all.ts";
import { REGISTER_STATUSES, type RegisterEntry, type RegisterPage, type RegisterQuery } from "./schemas.ts";

/** Per-case event reads run this many at a time. */
const EVENT_READ_CONCURRENCY = 8;

/** A sealed position (shared/http/cursor.ts): the last sort key listed, bound to route, caller and filters. */
const cursorSchema = z.object({ v: z.literal(2), s: z.string() });

const STORED_ONLY = new Set(["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "type"]);

/** The dates the register shows, from the case's events (first time the case reached each status). */
type Milestones = Partial<Record<"submitted" | "accepted" | "approved" | "rejected" | "completed", string>>;
const MILESTONES = ["submitted", "accepted", "approved", "rejected", "completed"] as const;

export const REGISTER_CSV_HEADER = [
  "案件编号 caseId",
  "类型 kind",
  "状态 status",
  "乡镇 township",
  "村 village",
  "户 household",
  "申请人 applicant",
  "地址 address",
  "申请日期 submittedAt",
  "受理日期 acceptedAt",
  "批准日期 approvedAt",
  "不予批准日期 rejectedAt",
  "竣工验收日期 completedAt",
  "宅基地批准书编号 homesteadCertificateNo",
  "乡村建设规划许可证编号 planningPermitNo",
  "最后更新 updatedAt",
] as const;

export function registerCsvRow(entry: RegisterEntry): CsvCell[] {
  return [
    entry.caseId,
    entry.kind,
    entry.status,
    entry.townshipCode,
    entry.villageCode,
    entry.householdId,
    entry.applicantName,
    entry.plotAddress,
    entry.submittedAt,
    entry.acceptedAt,
    entry.approvedAt,
    entry.rejectedAt,
    entry.completedAt,
    entry.homesteadCertificateNo,
    entry.planningPermitNo,
    entry.updatedAt,
  ];
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await run(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The register covers changes in [2000, 3000): a bound outside it is a mistake, not an empty page. */
const REGISTER_EPOCH = Date.parse("2000-01-01T00:00:00.000Z");
const REGISTER_END = Date.parse("3000-01-01T00:00:00.000Z");

/**
 * The byRegister sort-key bounds of a query's [from, to): 400 `invalid_range`
 * when `to` is not after `from` or a bound lies outside the years the register
 * covers (DynamoDB refuses a BETWEEN whose bounds are reversed: never send one).
 */
export function registerRange(query: Pick<RegisterQuery, "from" | "to">): { lower: string; toBound: string } {
  const from = query.from === undefined ? REGISTER_EPOCH : Date.parse(query.from);
  const to = query.to === undefined ? REGISTER_END : Date.parse(query.to);
  for (const [name, value] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (!(value >= REGISTER_EPOCH && value <= REGISTER_END)) {
      throw new TimeRangeNotValidError({
        en: `\`${name}\` must lie between 2000-01-01 and 3000-01-01`,
        zh: `${name === "from" ? "开始" : "结束"}时间须在 2000-01-01 至 3000-01-01 之间`,
      });
    }
  }
  if (to <= from) throw new TimeRangeNotValidError();
  return { lower: new Date(from).toISOString(), toBound: new Date(to).toISOString() };
}

export class Register {
  private readonly log: AuditQueryLog;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: Cursors,
    now: () => Date = () => new Date(),
  ) {
    this.log = new AuditQueryLog(client, tableName, now);
  }

  async list(request: AuditRequest, query: RegisterQuery): Promise<RegisterPage> {
    const jurisdiction = requireRole(request.actor, REGISTER_ROLES, "The register");
    const township = query.township ?? this.onlyTownship(request.actor.townships);
    if (!jurisdiction.covers(township))
      throw new NotPermittedError({
        en: `Township ${township} is outside your jurisdiction`,
        zh: `乡镇 ${township} 不在您的管辖范围内`,
      });
    const statuses = query.status ? [query.status] : [...REGISTER_STATUSES];
    const scope = {
      route: request.route,
      caller: request.actor.id,
      query: [township, statuses, query.from ?? null, query.to ?? null],
    };
    const after = query.cursor ? (await this.cursors.open(scope, query.cursor, cursorSchema)).s : undefined;
    const { lower, toBound } = registerRange(query);
    const upper = after !== undefined && after < toBound ? after : toBound;

    // A cursor before the range's start has nothing left to list (and BETWEEN must not be reversed).
    const perStatus =
      upper < lower
        ? []
        : await Promise.all(
            statuses.map((status) => this.newestIn(township, status, lower, upper, query.limit + 2)),
          );
    const merged = perStatus
      .flat()
      .filter((item) => item.sk !== after)
      .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
    const page = merged.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      merged.length > query.limit && last ? await this.cursors.seal(scope, { v: 2, s: last.sk }) : null;
    const items = await mapLimited(page, EVENT_READ_CONCURRENCY, async ({ record }) =>
      this.entryOf(record, await this.milestones(record.caseId)),
    );
    if (request.actor.role === "auditor") {
      await this.log.record({ ...request, outcome: "ok", results: items.length });
    }
    return { township, statuses, items, nextCursor };
  }

  async export(request: AuditRequest, query: RegisterQuery): Promise<{ csv: string; page: RegisterPage }> {
    const page = await this.list(request, query);
    return { csv: toCsv(REGISTER_CSV_HEADER, page.items.map(registerCsvRow)), page };
  }

  private onlyTownship(townships: readonly string[]): string {
    const own = townships.filter((code) => code.length > 6);
    if (own.length !== 1 || !own[0]) {
      throw new TownshipRequiredError({
        en: "Say which township: ?township=<code> (you work in more than one)",
        zh: "请指定乡镇：?township=<代码>（您在多个乡镇任职）",
      });
    }
    return own[0];
  }

  /** Up to `want` newest cases of one status partition with sort key in [lower, upper]. */
  private async newestIn(
    township: string,
    status: CaseStatus,
    lower: string,
    upper: string,
    want: number,
  ): Promise<{ sk: string; record: CaseRecord }[]> {
    const found: { sk: string; record: CaseRecord }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "byRegister",
          KeyConditionExpression: "gsi3pk = :pk AND gsi3sk BETWEEN :lower AND :upper",
          ExpressionAttributeValues: {
            ":pk": registerPartition(township, status),
            ":lower": lower,
            ":upper": upper,
          },
          ScanIndexForward: false,
          Limit: want - found.length,
          ExclusiveStartKey: startKey,
        }),
      );
      // The index holds keys only (shared/store/table-design.ts): the page's cases come by key, in
      // the index's order. A case that changed status since the index answered has left this
      // partition and is listed under its new status instead.
      const partition = registerPartition(township, status);
      const items = await batchGetAll(this.client, this.tableName, page.Items ?? []);
      const byKey = new Map(items.map((item) => [String(item.pk), item]));
      for (const entry of page.Items ?? []) {
        const item = byKey.get(String(entry.pk));
        if (item?.gsi3pk !== partition) continue;
        const record = caseRecordSchema.parse(
          Object.fromEntries(Object.entries(item).filter(([key]) => !STORED_ONLY.has(key))),
        );
        found.push({ sk: String(entry.gsi3sk), record });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && found.length < want);
    return found;
  }

  /** When the case first reached each milestone status (one Query on the case's event items). */
  private async milestones(caseId: string): Promise<Milestones> {
    const dates: Milestones = {};
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :event)",
          FilterExpression: "toStatus IN (:s0, :s1, :s2, :s3, :s4)",
          ProjectionExpression: "#at, toStatus",
          ExpressionAttributeNames: { "#at": "at" },
          ExpressionAttributeValues: {
            ":pk": caseKey(caseId).pk,
            ":event": CASE_ITEM_PREFIX.event,
            ...Object.fromEntries(MILESTONES.map((status, i) => [`:s${i}`, status])),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const status = item.toStatus as (typeof MILESTONES)[number];
        if (MILESTONES.includes(status) && typeof item.at === "string") dates[status] ??= item.at;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return dates;
  }

  private entryOf(record: CaseRecord, dates: Milestones): RegisterEntry {
    const certificate = (type: string) =>
      record.certificates?.find((item) => item.type === type)?.number ?? null;
    return {
      caseId: record.caseId,
      kind: record.kind,
      status: record.status,
      townshipCode: record.townshipCode,
      villageCode: record.villageCode,
      householdId: record.householdId,
      applicantName: record.application.head?.name ?? null,
      plotAddress: record.application.proposedPlot?.address ?? null,
      submittedAt: record.submittedAt ?? dates.submitted ?? null,
      acceptedAt: dates.accepted ?? null,
      approvedAt: dates.approved ?? null,
      rejectedAt: dates.rejected ?? null,
      completedAt: dates.completed ?? null,
      homesteadCertificateNo: certificate("homestead_approval_certificate"),
      planningPermitNo: certificate("rural_construction_planning_permit"),
      updatedAt: record.updatedAt,
    };
  }
}
