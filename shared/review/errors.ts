import { ConflictError, UnprocessableEntityError } from "../http/errors.ts";

/** Another decision on the step won (or the step was answered before): exactly one decision per step. */
export class StepAlreadyDecidedError extends ConflictError {
  constructor(stepId: string) {
    super(`Step ${stepId} has already been decided`);
  }
}

/** The step is not awaiting a decision any more or yet (e.g. redriving an undecided step). */
export class StepNotDecidedError extends ConflictError {
  constructor(stepId: string) {
    super(`Step ${stepId} has no stored decision to send`);
  }
}

/** A redrive of a decision the workflow already received, or while a send is in flight. */
export class DeliveryNotNeededError extends ConflictError {
  constructor(message: string) {
    super(message);
  }
}

/** The case's status does not allow the step's verb (it moved on, e.g. withdrawn). */
export class CaseNotDecidableError extends ConflictError {
  constructor(message: string) {
    super(message);
  }
}

/** The decision is well-formed but not acceptable for this step. */
export class DecisionNotAcceptedError extends UnprocessableEntityError {
  constructor(problems: readonly string[]) {
    super(`The decision does not fit this step: ${problems.join("; ")}`, { problems });
  }
}

/** The case is not waiting for the household's correction (or its correction step is not open yet). */
export class NoCorrectionAwaitedError extends ConflictError {
  constructor(message: string) {
    super(message);
  }
}

/** The villager edited fields the reviewers did not ask about. */
export class FieldsNotRequestedError extends UnprocessableEntityError {
  constructor(fields: readonly string[], asked: readonly string[]) {
    super(
      `Only the fields asked for may change; not asked: ${fields.join(", ")} / 只能修改要求补正的内容，未要求：${fields.join("、")}`,
      { notRequested: fields, asked },
    );
  }
}
