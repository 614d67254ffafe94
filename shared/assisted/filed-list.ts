/**
 * 代办: the filer's list. Once a village officer or window clerk leaves the
 * case page of a case they filed on behalf of a household, this is how they
 * find it again: the cases filed on behalf in their village (village officer)
 * or one of their townships (window clerk), newest first, each with what it
 * needs now (a correction to answer, the house to report built, …) and
 * whether the household has claimed it. Households' own cases are not listed.
 * Read from the sparse byFiledOnBehalf index (shared/store/filed-page.ts).
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { expectedOf } from "../cases/views.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { CursorNotValidError, NotPermittedError, TownshipRequiredError } from "../errors.ts";
import type { Cursors } from "../http/cursor.ts";
import { placeNamesOf } from "../reference/place-names.ts";
import type { FiledCase, FiledCasePage } from "../schemas/responses.ts";
import {
  type FiledEntry,
  ForeignFiledCursorError,
  filedCursorSchema,
  filedOnBehalfPage,
} from "../store/filed-page.ts";
import { FILERS } from "./on-behalf.ts";

export const filedListQuerySchema = z.strictObject({
  /** Optional when the caller works in exactly one township (always, for a village officer). */
  township: z
    .string()
    .regex(/^\d{6,12}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(2000).optional(),
});
export type FiledListQuery = z.infer<typeof filedListQuerySchema>;

export interface FiledListDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Seals `nextCursor` (shared/http/cursor.ts): opaque, bound to the caller, the township and the village. */
  readonly cursors: Cursors;
}

const ROUTE = "GET /assisted/cases";

/** Which list the caller may read: a township of theirs, and for a village officer their village in it. */
function listOf(actor: Actor, township: string | undefined): { township: string; village?: string } {
  if (!FILERS.includes(actor.role)) {
    throw new NotPermittedError({
      en: "Only village officers and township window clerks file on behalf of a household",
      zh: "只有村干部和乡镇受理窗口可以代办",
    });
  }
  if (actor.role === "village_officer") {
    const village = actor.villageCode;
    const own = actor.townships.find((code) => village?.startsWith(code));
    if (!village || !own) {
      throw new NotPermittedError({
        en: "Your account names no village of your townships",
        zh: "您的账号未登记所在乡镇的村",
      });
    }
    if (township && township !== own) throw notYours(township);
    return { township: own, village };
  }
  if (township) {
    if (!actor.townships.includes(township)) throw notYours(township);
    return { township };
  }
  const [only] = actor.townships;
  if (actor.townships.length === 1 && only) return { township: only };
  throw new TownshipRequiredError({
    en: "Say which township: ?township=<code> (you work in several or none)",
    zh: "请指定乡镇：?township=<代码>（您在多个乡镇任职或未登记乡镇）",
  });
}

const notYours = (township: string) =>
  new NotPermittedError({ en: `You do not work in township ${township}`, zh: `您不在乡镇 ${township} 任职` });

/** GET /assisted/cases: one page of the caller's list, newest first. */
export async function listFiledCases(
  deps: FiledListDeps,
  actor: Actor,
  query: FiledListQuery,
): Promise<FiledCasePage> {
  const list = listOf(actor, query.township);
  const scope = { route: ROUTE, caller: actor.id, query: list };
  const after = query.cursor ? await deps.cursors.open(scope, query.cursor, filedCursorSchema) : undefined;
  const page = await filedOnBehalfPage(deps.client, deps.tableName, {
    townshipCode: list.township,
    ...(list.village ? { villageCode: list.village } : {}),
    limit: query.limit,
    ...(after ? { after } : {}),
  }).catch((error: unknown) => {
    // Sealed with this township in its scope, so any cursor that opened is this list's; checked anyway.
    if (error instanceof ForeignFiledCursorError) throw new CursorNotValidError();
    throw error;
  });
  const places = await placeNamesOf(deps.client, deps.tableName).lookup({
    villages: page.entries.map((entry) => entry.record.villageCode),
  });
  return {
    township: list.township,
    village: list.village ?? null,
    items: page.entries.flatMap((entry) => {
      const item = filedCaseOf(entry);
      return item ? [{ ...item, villageName: places.village(item.villageCode).name ?? null }] : [];
    }),
    nextCursor: page.next ? await deps.cursors.seal(scope, page.next) : null,
  };
}

function filedCaseOf({ record, steps }: FiledEntry): Omit<FiledCase, "villageName"> | undefined {
  const filed = record.filedOnBehalf;
  if (!filed) return undefined;
  return {
    caseId: record.caseId,
    shortNumber: record.caseId.slice(0, 8),
    kind: record.kind,
    status: record.status,
    villageCode: record.villageCode,
    applicantName: record.application.head?.name ?? null,
    plotAddress: record.application.proposedPlot?.address ?? null,
    filedAt: filed.at,
    filedBy: { ...(filed.by.name ? { name: filed.by.name } : {}), role: filed.by.role },
    consented: filed.smsConsent !== undefined,
    claimedAt: filed.claimedAt ?? null,
    expected: expectedOf(record, { steps }, getShippedPolicy(record.policyId)),
  };
}
