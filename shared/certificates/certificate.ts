/**
 * Certificates: what is printed (the household's document) and what is public
 * (the CERT item behind /verify). Pure TypeScript, no AWS imports.
 */
import * as z from "zod";
import { type CertificateType, certificateTypeSchema, type LocalizedText } from "../schemas/common.ts";

export const CERTIFICATE_TITLES: Readonly<Record<CertificateType, LocalizedText>> = {
  homestead_approval_certificate: { zh: "农村宅基地批准书", en: "Rural homestead approval certificate" },
  rural_construction_planning_permit: { zh: "乡村建设规划许可证", en: "Rural construction planning permit" },
};

export const CERTIFICATE_STATUSES = ["valid", "revoked", "expired", "superseded"] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** The CERT#<number> item: public facts only, nothing that identifies a person outright. */
export const publicCertificateSchema = z.object({
  number: z.string().min(1),
  certificateType: certificateTypeSchema,
  countyCode: z.string(),
  countyName: z.object({ zh: z.string(), en: z.string() }),
  townshipCode: z.string(),
  villageCode: z.string(),
  headNameMasked: z.string(),
  headIdNumberMasked: z.string(),
  approvedPlotAreaM2: z.number(),
  houseFootprintM2: z.number(),
  floors: z.int(),
  approvedOn: z.iso.date(),
  validUntil: z.iso.date(),
  /** Stored status; `expired` is also derived on read from validUntil. */
  status: z.enum(CERTIFICATE_STATUSES),
  issuedAt: z.iso.datetime(),
  /** Revoked: the reason (public, it says why the paper is void) and when. */
  revocation: z.object({ reason: z.string(), at: z.iso.datetime() }).optional(),
  /** Re-issued after a correction: the new number; and on the new one, the number it replaces. */
  supersededBy: z.string().optional(),
  supersedes: z.string().optional(),
});
export type PublicCertificate = z.infer<typeof publicCertificateSchema>;

/** 张三 → 张*, 欧阳娜娜 → 欧***: the surname stays so a clerk can match paper, the person is not named. */
export function maskName(name: string): string {
  const characters = [...name.trim()];
  if (characters.length <= 1) return "*";
  return `${characters[0]}${"*".repeat(characters.length - 1)}`;
}

/** What /verify shows: a valid certificate past its validity date is expired (the whole of that day still counts). */
export function effectiveStatus(certificate: PublicCertificate, now: Date): CertificateStatus {
  if (certificate.status !== "valid") return certificate.status;
  return chinaDate(now) > certificate.validUntil ? "expired" : "valid";
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** YYYY-MM-DD of an instant in China Standard Time (UTC+8, no daylight saving). */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last day of validity: the approval date plus the policy's months, minus one day (clamped to month end). */
export function validUntil(approvedOn: string, months: number): string {
  const [year, month, day] = approvedOn.split("-").map(Number) as [number, number, number];
  const targetMonth = month - 1 + months;
  const lastDayOfTarget = new Date(Date.UTC(year, targetMonth + 1, 0)).getUTCDate();
  const end = new Date(Date.UTC(year, targetMonth, Math.min(day, lastDayOfTarget)));
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}

export function formatCertificateNumber(prefix: string, year: string, seq: number): string {
  return `${prefix}-${year}-${String(seq).padStart(5, "0")}`;
}

export const verifyUrl = (publicBaseUrl: string, number: string) =>
  `${publicBaseUrl.replace(/\/+$/, "")}/verify/${encodeURIComponent(number)}`;
