/**
 * The public notice (公示) as the platform publishes it, and objections to it.
 * Items (documented with the key design in infra/constructs/case-table.ts):
 *
 *   NOTICE#<noticeId>          NOTICE                        the published notice
 *   NOTICES#<townshipCode>     <villageCode>#<startsAt>#<id> its copy in the township's listing
 *   NOTICE#<noticeId>          OBJECTION#<objectionId>       an objection lodged by anyone
 *
 * What is public: the applicant's name masked (王**), the village, the plot's
 * address and areas, the planned building, the reason and the notice dates.
 * Never an ID or phone number, never the case id or the household.
 * Pure builders here; reads and writes in ./notices.ts.
 */
import * as z from "zod";
import type { ApplicationComplete } from "../schemas/application.ts";
import { sealedSchema } from "../schemas/personal-data.ts";

export {
  noticeKey,
  noticeListKey,
  noticeListPartition,
  OBJECTION_PREFIX,
  objectionKey,
} from "../store/keys.ts";

/** 王建国 → 王**: the family name stays, the rest is masked. */
export function maskName(name: string): string {
  const characters = [...name.trim()];
  return characters.length <= 1 ? "*" : `${characters[0]}${"*".repeat(characters.length - 1)}`;
}

export const publicNoticeSchema = z.object({
  noticeId: z.string().min(1),
  townshipCode: z.string().min(1),
  villageCode: z.string().min(1),
  applicantName: z.string().min(1),
  kind: z.enum(["homestead", "farmhouse"]),
  plot: z.object({
    address: z.string(),
    houseLandAreaM2: z.number(),
    ancillaryLandAreaM2: z.number(),
    totalAreaM2: z.number(),
    situation: z.string(),
  }),
  building: z.object({ floorAreaM2: z.number(), floors: z.int(), heightM: z.number() }),
  reason: z.string(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
});
export type PublicNotice = z.infer<typeof publicNoticeSchema>;

/** What the public API answers for a notice. */
export const publicNoticeViewSchema = publicNoticeSchema.extend({ open: z.boolean() });

/** The stored notice: the public part plus the case it belongs to (never shown publicly). */
export const noticeItemSchema = publicNoticeSchema.extend({ caseId: z.string().min(1) });
export type NoticeItem = z.infer<typeof noticeItemSchema>;

export function buildNotice(
  ids: {
    readonly noticeId: string;
    readonly caseId: string;
    readonly townshipCode: string;
    readonly villageCode: string;
  },
  application: ApplicationComplete,
  window: { readonly startsAt: string; readonly endsAt: string },
): NoticeItem {
  const plot = application.proposedPlot;
  return {
    ...ids,
    applicantName: maskName(application.head.name),
    kind: application.kind,
    plot: {
      address: plot.address,
      houseLandAreaM2: plot.houseLandAreaM2,
      ancillaryLandAreaM2: plot.ancillaryLandAreaM2,
      totalAreaM2: Math.round((plot.houseLandAreaM2 + plot.ancillaryLandAreaM2) * 100) / 100,
      situation: plot.situation,
    },
    building: { ...application.building },
    reason: application.reason,
    ...window,
  };
}

/** The public view: what the stored notice says, without its case, and whether objections are taken now. */
export function publicView(notice: NoticeItem, now: Date) {
  const { caseId: _case, ...rest } = notice;
  return { ...publicNoticeSchema.parse(rest), open: isOpen(notice, now) };
}

export function isOpen(notice: Pick<NoticeItem, "startsAt" | "endsAt">, now: Date): boolean {
  const at = now.toISOString();
  return notice.startsAt <= at && at < notice.endsAt;
}

/** What anyone may send: bounded text, an optional way to reach them (sealed when stored). */
export const objectionInputSchema = z.strictObject({
  text: z.string().trim().min(5).max(1000),
  contact: z.string().trim().min(3).max(100).optional(),
});
export type ObjectionInput = z.infer<typeof objectionInputSchema>;

export const objectionItemSchema = z.object({
  objectionId: z.string().min(1),
  noticeId: z.string().min(1),
  caseId: z.string().min(1),
  text: z.string(),
  /** The objector's contact, sealed like other personal data (encryption context: the notice and objection). */
  contact: sealedSchema.optional(),
  lodgedAt: z.iso.datetime(),
  handling: z.string().optional(),
  handledAt: z.iso.datetime().optional(),
  handledBy: z.string().optional(),
});
export type ObjectionItem = z.infer<typeof objectionItemSchema>;

/** The village officer's record of how each objection was handled: objection id → what was done. */
export const objectionHandlingSchema = z.record(
  z.string().regex(/^[0-9a-f-]{36}$/, { error: "Not an objection id" }),
  z.string().trim().min(1).max(2000),
);
export type ObjectionHandling = z.infer<typeof objectionHandlingSchema>;

/** Objections neither handled before nor in `handling`: an approving village review must handle them. */
export function unhandledObjections(
  objections: readonly Pick<ObjectionItem, "objectionId" | "handling">[],
  handling: ObjectionHandling = {},
): string[] {
  return objections
    .filter(
      (objection) => objection.handling === undefined && !Object.hasOwn(handling, objection.objectionId),
    )
    .map((objection) => objection.objectionId)
    .sort();
}

export const noticeIdPath = z.object({ noticeId: z.uuid() });
