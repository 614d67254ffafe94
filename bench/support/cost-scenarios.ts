/** The cost benchmark's scenarios and the goal they are measured against. */
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../../test/support/fixtures.ts";
import { VILLAGER } from "./cloud.ts";

export const GOAL_USD = 0.001;

export interface Scenario {
  readonly id: string;
  readonly label: string;
  readonly kind: CaseKind;
  readonly villager: string;
  application(): ApplicationComplete;
  /** The township clerk asks once for a corrected phone number; the villager answers. */
  readonly correction: boolean;
  /** Reviewers open their queue, the case and its documents; the villager follows the case and downloads certificates. */
  readonly reads: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "homestead",
    label: "homestead",
    kind: "homestead",
    villager: VILLAGER,
    application: () => homesteadApplication(),
    correction: false,
    reads: false,
  },
  {
    id: "farmhouse",
    label: "farmhouse",
    kind: "farmhouse",
    villager: "villager-li",
    application: () => {
      const application = homesteadApplication({ ...LI_HOUSEHOLD, kind: "farmhouse" });
      application.proposedPlot = { ...application.proposedPlot, situation: "rebuild_on_old_plot" };
      return application;
    },
    correction: false,
    reads: false,
  },
  {
    id: "correction",
    label: "homestead + correction",
    kind: "homestead",
    villager: VILLAGER,
    application: () => homesteadApplication(),
    correction: true,
    reads: false,
  },
  {
    id: "reads",
    label: "homestead + reads",
    kind: "homestead",
    villager: VILLAGER,
    application: () => homesteadApplication(),
    correction: false,
    reads: true,
  },
];

/** The queue each step is listed in (GET /queues/{queue}). */
export const QUEUE_OF: Readonly<Record<string, string>> = {
  village_review: "village_officer",
  township_acceptance: "township_clerk",
  township_approval: "township_head",
  site_visit_staking: "site_inspector",
  site_visit_completion: "site_inspector",
};
/** Steps whose decider reads the documents before deciding. */
export const READS_DOCUMENTS = new Set([
  "village_review",
  "township_acceptance",
  "joint_review",
  "township_approval",
]);
