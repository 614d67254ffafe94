/**
 * The reviewer's case view as the API answers it (GET /review/cases/{caseId}):
 * the response schema's own type, so the screens cannot drift from the server.
 */
import type { ReviewCaseDetail } from "#shared/schemas/responses.ts";

export type ReviewCase = ReviewCaseDetail;
export type ReviewStep = ReviewCase["steps"][number];
/** What the caller's decision on a step may say (set only on the steps the caller may decide). */
export type DecisionOptions = NonNullable<ReviewStep["decide"]>;
export type Objection = ReviewCase["objections"][number];
