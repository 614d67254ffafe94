/**
 * The review's domain errors (no HTTP status: shared/http/error-mapping.ts
 * answers each with its code, 409 or 422).
 */
import {
  type Bilingual,
  DomainError,
  type FieldProblem,
  NotPermittedError,
  ResourceNotFoundError,
} from "../errors.ts";
import type { Denial } from "./rules.ts";

/** Another decision on the step won (or the step was answered before): exactly one decision per step. */
export class StepAlreadyDecidedError extends DomainError {
  constructor(stepId: string) {
    super({ en: `Step ${stepId} has already been decided`, zh: `环节 ${stepId} 已作出决定` });
  }
}

/** The step is not awaiting a decision any more or yet (e.g. redriving an undecided step). */
export class StepNotDecidedError extends DomainError {
  constructor(stepId: string) {
    super({ en: `Step ${stepId} has no stored decision to send`, zh: `环节 ${stepId} 尚无可发送的决定` });
  }
}

/** A redrive of a decision the workflow already received, or while a send is in flight. */
export class DeliveryNotNeededError extends DomainError {
  constructor(text: Bilingual) {
    super(text);
  }
}

/** The case's status does not allow the step's verb (it moved on, e.g. withdrawn). */
export class CaseNotDecidableError extends DomainError {
  constructor(text: Bilingual) {
    super(text);
  }
}

/** The decision is well-formed but not acceptable for this step. */
export class DecisionNotAcceptedError extends DomainError {
  constructor(problems: readonly string[]) {
    super(
      {
        en: `The decision does not fit this step: ${problems.join("; ")}`,
        zh: `该决定不适用于此环节：${problems.join("；")}`,
      },
      { problems },
    );
  }
}

/** The case is not waiting for the household's correction (or its correction step is not open yet). */
export class NoCorrectionAwaitedError extends DomainError {
  constructor(text: Bilingual) {
    super(text);
  }
}

/** The villager edited fields the reviewers did not ask about. */
export class FieldsNotRequestedError extends DomainError {
  constructor(fields: readonly string[], asked: readonly string[]) {
    super(
      {
        en: `Only the fields asked for may change; not asked: ${fields.join(", ")}`,
        zh: `只能修改要求补正的内容，未要求：${fields.join("、")}`,
      },
      { notRequested: fields, asked },
    );
  }
}

/** What is still as it was, for the bilingual message: field paths, and asked document types with names. */
export interface UnchangedAnswer {
  readonly fields: readonly string[];
  readonly documents: readonly { readonly typeId: string; readonly zh: string; readonly en: string }[];
}

/**
 * A correction answer that leaves an asked field as it was, or brings no new
 * confirmed document of an asked type: the reviewer would get the same case back.
 */
export class CorrectionUnchangedError extends DomainError {
  constructor(unchanged: UnchangedAnswer) {
    const en = [
      unchanged.fields.length > 0 ? `fields still unchanged: ${unchanged.fields.join(", ")}` : "",
      unchanged.documents.length > 0
        ? `no new confirmed document: ${unchanged.documents.map((document) => `${document.en} (${document.typeId})`).join(", ")}`
        : "",
    ].filter(Boolean);
    const zh = [
      unchanged.fields.length > 0 ? `以下内容尚未修改：${unchanged.fields.join("、")}` : "",
      unchanged.documents.length > 0
        ? `以下材料尚未重新上传并确认：${unchanged.documents.map((document) => document.zh).join("、")}`
        : "",
    ].filter(Boolean);
    super(
      {
        en: `The correction must change what was asked; ${en.join("; ")}`,
        zh: `补正须修改所要求的内容：${zh.join("；")}`,
      },
      {
        unchangedFields: unchanged.fields,
        missingDocuments: unchanged.documents.map((document) => document.typeId),
      },
    );
  }
}

/** The case is not in its construction period, or its completion report step is not open. */
export class NoCompletionReportAwaitedError extends DomainError {
  constructor(text: Bilingual) {
    super(text);
  }
}

/** A site visit keeps at most so many photos; this step has them all. */
export class TooManyPhotosError extends DomainError {
  constructor(stepId: string, most: number) {
    super({
      en: `Step ${stepId} already has ${most} photos, the most a visit keeps`,
      zh: `环节 ${stepId} 已有 ${most} 张照片，已达上限`,
    });
  }
}

/** The corrected application still lacks what a complete one needs; `problems` lists each field. */
export class CorrectionIncompleteError extends DomainError {
  constructor(problems: readonly FieldProblem[]) {
    super({ en: "The corrected application is not complete yet", zh: "补正后的申请仍不完整" }, { problems });
  }
}

/**
 * Throws what a rule's denial means (shared/review/rules.ts): a thing the
 * caller may not know exists is not found (404); one they see but may not act on is not permitted (403).
 */
export function enforce<Allowed extends { readonly allowed: true }>(
  verdict: Allowed | { readonly allowed: false; readonly denial: Denial; readonly reason: Bilingual },
): asserts verdict is Allowed {
  if (verdict.allowed) return;
  throw verdict.denial === "hidden"
    ? new ResourceNotFoundError(verdict.reason)
    : new NotPermittedError(verdict.reason);
}
