/**
 * The personal data inside an application form (PIPL): the head of
 * household's ID and phone numbers and every member's ID number. Split out of
 * the form before it is stored (they are sealed separately, see
 * shared/store/case-store.ts), merged back when an authorised reader opens it,
 * and masked for everyone else.
 */
import * as z from "zod";
import { maskIdNumber } from "../domain/id-number.ts";
import { maskPhone } from "../domain/phone.ts";
import type { ApplicationDraft } from "../schemas/application.ts";

/** The sealed part of a form, by position: members keep their order in the form. */
export const applicationSecretsSchema = z.object({
  head: z.object({ idNumber: z.string().optional(), phone: z.string().optional() }).optional(),
  members: z.array(z.object({ idNumber: z.string().optional() })).optional(),
});
export type ApplicationSecrets = z.infer<typeof applicationSecretsSchema>;

/** True when the form holds any ID or phone number. */
export function hasSecrets(secrets: ApplicationSecrets): boolean {
  return (
    secrets.head?.idNumber !== undefined ||
    secrets.head?.phone !== undefined ||
    (secrets.members ?? []).some((member) => member.idNumber !== undefined)
  );
}

/** The form without its ID and phone numbers, and those numbers on their own. */
export function splitApplication(application: ApplicationDraft): {
  readonly rest: ApplicationDraft;
  readonly secrets: ApplicationSecrets;
} {
  const { head, members, ...others } = application;
  const secrets: { head?: ApplicationSecrets["head"]; members?: ApplicationSecrets["members"] } = {};
  const rest: ApplicationDraft = { ...others };
  if (head) {
    const { idNumber, phone, ...headRest } = head;
    rest.head = headRest;
    if (idNumber !== undefined || phone !== undefined) {
      secrets.head = {
        ...(idNumber !== undefined ? { idNumber } : {}),
        ...(phone !== undefined ? { phone } : {}),
      };
    }
  }
  if (members) {
    rest.members = members.map(({ idNumber: _idNumber, ...member }) => member);
    if (members.some((member) => member.idNumber !== undefined)) {
      secrets.members = members.map((member) =>
        member.idNumber !== undefined ? { idNumber: member.idNumber } : {},
      );
    }
  }
  return { rest, secrets };
}

/** Puts the numbers back where they were. */
export function mergeSecrets(rest: ApplicationDraft, secrets: ApplicationSecrets): ApplicationDraft {
  const merged: ApplicationDraft = { ...rest };
  if (secrets.head && merged.head) merged.head = { ...merged.head, ...secrets.head };
  else if (secrets.head) merged.head = { ...secrets.head };
  if (secrets.members && merged.members) {
    merged.members = merged.members.map((member, index) => ({ ...member, ...secrets.members?.[index] }));
  }
  return merged;
}

/** The form as a reader without the right to the numbers sees it: `5114**********1234`, `138****5678`. */
export function maskApplication(application: ApplicationDraft): ApplicationDraft {
  const masked: ApplicationDraft = { ...application };
  if (application.head) {
    const { idNumber, phone } = application.head;
    masked.head = {
      ...application.head,
      ...(idNumber !== undefined ? { idNumber: maskIdNumber(idNumber) } : {}),
      ...(phone !== undefined ? { phone: maskPhone(phone) } : {}),
    };
  }
  if (application.members) {
    masked.members = application.members.map((member) =>
      member.idNumber !== undefined ? { ...member, idNumber: maskIdNumber(member.idNumber) } : member,
    );
  }
  return masked;
}
