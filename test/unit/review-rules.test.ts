import { describe, expect, it } from "vitest";
import type { Actor, Role } from "#shared/auth/actor.ts";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { NotPermittedError, ResourceNotFoundError } from "#shared/errors.ts";
import {
  changedPaths,
  isApplicationFieldPath,
  isCoveredBy,
  mergeApplication,
} from "#shared/review/application-paths.ts";
import { enforce } from "#shared/review/errors.ts";
import {
  allowedOutcomes,
  decisionInputSchema,
  decisionOptions,
  decisionProblems,
  mayDecide,
  mayRedrive,
  queueAccess,
  type StepFacts,
} from "#shared/review/rules.ts";
import { siteVisitOf } from "#shared/review/site-visits.ts";
import { STEP_KINDS, type StepKind } from "#shared/schemas/case.ts";
import type { DepartmentId } from "#shared/schemas/common.ts";

const A = "511424100";
const B = "511424101";
const VILLAGE_A = "511424100001";

const staff = (role: Role, extra: Partial<Actor> = {}): Actor => ({
  id: `${role}-1`,
  name: role,
  role,
  townships: [A],
  ...extra,
});
const villager: Actor = {
  id: "villager-wang",
  name: "王建国",
  role: "villager",
  townships: [],
  villageCode: VILLAGE_A,
  householdId: "H1",
};
const caseFacts = { villageCode: VILLAGE_A, householdId: "H1" };
const stepOf = (step: StepKind, extra: Partial<StepFacts> = {}): StepFacts => ({
  step,
  townshipCode: A,
  overdue: false,
  ...(step === "joint_review" ? { department: "agriculture" as const } : {}),
  ...extra,
});

describe("mayDecide", () => {
  // role (and department) × step → allowed? (all in the step's township, not overdue)
  const table: [string, Actor, Partial<Record<StepKind, boolean>>][] = [
    ["village officer", staff("village_officer", { villageCode: VILLAGE_A }), { village_review: true }],
    ["township clerk", staff("township_clerk"), { township_acceptance: true }],
    [
      "agriculture reviewer",
      staff("department_reviewer", { department: "agriculture" }),
      { joint_review: true },
    ],
    ["water reviewer", staff("department_reviewer", { department: "water" }), {}],
    ["township head", staff("township_head"), { township_approval: true, correction_lapse: true }],
    ["site inspector", staff("site_inspector"), { site_visit_staking: true, site_visit_completion: true }],
    ["auditor", staff("auditor"), {}],
    ["county admin", staff("county_admin"), {}],
  ];
  for (const [name, actor, allowed] of table) {
    for (const step of STEP_KINDS) {
      const expected = allowed[step] === true;
      it(`${expected ? "lets" : "does not let"} a ${name} decide a ${step} step`, () => {
        expect(mayDecide(actor, stepOf(step), caseFacts).allowed).toBe(expected);
      });
    }
  }

  it("answers 403 to a reviewer of another department (the step is visible to them)", () => {
    const verdict = mayDecide(
      staff("department_reviewer", { department: "natural_resources" }),
      stepOf("joint_review"),
      caseFacts,
    );
    expect(verdict).toMatchObject({ allowed: false, denial: "refused" });
  });

  it("answers 404 to staff of another township, whatever their role", () => {
    for (const step of STEP_KINDS) {
      expect(mayDecide(staff("township_head"), stepOf(step, { townshipCode: B }), caseFacts)).toMatchObject({
        allowed: false,
        denial: "hidden",
      });
    }
  });

  it("answers 404 to villagers, who have no reviewer steps", () => {
    expect(mayDecide(villager, stepOf("village_review"), caseFacts)).toMatchObject({ denial: "hidden" });
  });

  it("lets the township head decide escalated (overdue) reviewer steps, but not the household's answers", () => {
    const head = staff("township_head");
    for (const step of STEP_KINDS) {
      expect(mayDecide(head, stepOf(step, { overdue: true }), caseFacts).allowed).toBe(
        step !== "correction" && step !== "completion_report",
      );
    }
  });

  it("does not let a head of another township decide an escalated step", () => {
    const verdict = mayDecide(
      staff("township_head", { townships: [B] }),
      stepOf("joint_review", { overdue: true }),
      caseFacts,
    );
    expect(verdict).toMatchObject({ allowed: false, denial: "hidden" });
  });

  it("keeps a village officer to their own village", () => {
    const other = staff("village_officer", { villageCode: "511424100002" });
    expect(mayDecide(other, stepOf("village_review"), caseFacts)).toMatchObject({ denial: "refused" });
  });
});

describe("mayRedrive", () => {
  it("lets the township head and the deciding role re-send, nobody else", () => {
    const step = stepOf("joint_review");
    expect(mayRedrive(staff("township_head"), step, caseFacts).allowed).toBe(true);
    expect(
      mayRedrive(staff("department_reviewer", { department: "agriculture" }), step, caseFacts).allowed,
    ).toBe(true);
    expect(mayRedrive(staff("township_clerk"), step, caseFacts).allowed).toBe(false);
  });

  it.each(["correction", "completion_report"] as const)(
    "lets the owner household or the township head re-send a %s answer",
    (kind) => {
      const step = stepOf(kind);
      expect(mayRedrive(villager, step, caseFacts).allowed).toBe(true);
      expect(mayRedrive({ ...villager, householdId: "H2" }, step, caseFacts)).toMatchObject({
        denial: "hidden",
      });
      expect(mayRedrive(staff("township_head"), step, caseFacts).allowed).toBe(true);
      expect(mayRedrive(staff("township_clerk"), step, caseFacts)).toMatchObject({ denial: "refused" });
    },
  );
});

describe("queueAccess", () => {
  it("serves a department reviewer only their own department's queue", () => {
    const reviewer = staff("department_reviewer", { department: "agriculture" });
    expect(queueAccess(reviewer, "agriculture", A)).toMatchObject({
      allowed: true,
      target: { partitionQueue: "agriculture", township: A, overdueOnly: false },
    });
    expect(queueAccess(reviewer, "natural_resources", A)).toMatchObject({
      allowed: false,
      denial: "refused",
    });
  });

  it("serves role queues to their role, and escalations to the township head", () => {
    expect(queueAccess(staff("township_clerk"), "township_clerk", A).allowed).toBe(true);
    expect(queueAccess(staff("township_clerk"), "township_head", A).allowed).toBe(false);
    expect(queueAccess(staff("township_head"), "escalations", A)).toMatchObject({
      allowed: true,
      target: { partitionQueue: "township_head", overdueOnly: true },
    });
    expect(queueAccess(staff("site_inspector"), "escalations", A).allowed).toBe(false);
  });

  it("refuses townships the caller does not work in, and unknown queues", () => {
    expect(queueAccess(staff("township_clerk"), "township_clerk", B)).toMatchObject({ denial: "refused" });
    expect(queueAccess(staff("township_clerk"), "nonsense", A)).toMatchObject({ denial: "hidden" });
    expect(queueAccess(villager, "village_officer", A)).toMatchObject({ allowed: false });
  });
});

describe("decision validation", () => {
  it("allows exactly the outcomes of the step table", () => {
    expect(allowedOutcomes("village_review")).toEqual(["approved", "rejected", "correction_requested"]);
    expect(allowedOutcomes("site_visit_staking")).toEqual(["approved"]);
    expect(allowedOutcomes("correction")).toEqual(["approved"]);
    expect(
      decisionProblems("site_visit_completion", { outcome: "rejected", measurements: { floors: 2 } }),
    ).toEqual([expect.stringContaining("accepts only approved")]);
  });

  it("requires a correction request to name a field or document and give a reason", () => {
    expect(decisionInputSchema.safeParse({ outcome: "correction_requested", comment: "why" }).success).toBe(
      false,
    );
    expect(
      decisionInputSchema.safeParse({ outcome: "correction_requested", fields: ["head.phone"] }).success,
    ).toBe(false);
    expect(
      decisionInputSchema.safeParse({
        outcome: "correction_requested",
        documents: ["id_card"],
        comment: "blurred",
      }).success,
    ).toBe(true);
  });

  it("accepts only real application fields in a correction request", () => {
    const parse = (field: string) =>
      decisionInputSchema.safeParse({ outcome: "correction_requested", fields: [field], comment: "x" })
        .success;
    expect(parse("head.phone")).toBe(true);
    expect(parse("proposedPlot.boundaries.east")).toBe(true);
    expect(parse("members")).toBe(true);
    expect(parse("head.shoeSize")).toBe(false);
    expect(parse("taskToken")).toBe(false);
  });

  it("takes measurements and photos on site visits only, and requires a measurement there", () => {
    expect(
      decisionProblems("township_approval", { outcome: "approved", measurements: { floors: 2 } }),
    ).toEqual(["Only site visits record measurements"]);
    expect(decisionProblems("village_review", { outcome: "approved", photos: ["doc-1"] })).toEqual([
      "Only site visits record photos",
    ]);
    expect(decisionProblems("site_visit_staking", { outcome: "approved" })).toEqual([
      expect.stringContaining("at least one measured value"),
    ]);
    expect(
      decisionProblems("site_visit_completion", {
        outcome: "approved",
        measurements: { footprintM2: 118.5, floors: 2, heightM: 7.2 },
        photos: ["doc-photo-1"],
      }),
    ).toEqual([]);
  });

  it("lets a joint-review department on the site check attach photos, but not measurements", () => {
    const photos = { outcome: "approved" as const, photos: ["doc-photo-1"] };
    const onSiteCheck = decisionOptions("joint_review", { recordsSiteVisit: true });
    expect(decisionProblems("joint_review", photos, onSiteCheck)).toEqual([]);
    expect(decisionProblems("joint_review", photos, decisionOptions("joint_review"))).toEqual([
      "Only site visits record photos",
    ]);
    expect(
      decisionProblems("joint_review", { outcome: "approved", measurements: { floors: 2 } }, onSiteCheck),
    ).toEqual(["Only site visits record measurements"]);
  });

  it("refuses fields to redo on anything but a correction request", () => {
    expect(decisionProblems("village_review", { outcome: "approved", fields: ["head.phone"] })).toHaveLength(
      1,
    );
  });
});

describe("decision options (what the review API offers)", () => {
  const documents = SICHUAN_DEFAULT_POLICY.requiredDocuments.homestead;
  const outcomeProblem = (problems: string[]) =>
    problems.filter((problem) => problem.includes("accepts only"));

  it("offers exactly what the decision checks accept, step by step", () => {
    for (const step of STEP_KINDS) {
      const options = decisionOptions(step, { documents });
      for (const outcome of ["approved", "rejected", "correction_requested"] as const) {
        const problems = outcomeProblem(decisionProblems(step, { outcome }, options));
        expect(problems, `${step} ${outcome}`).toHaveLength(options.outcomes.includes(outcome) ? 0 : 1);
      }
      expect(options.correctable !== undefined, step).toBe(options.outcomes.includes("correction_requested"));
    }
  });

  it("offers only sections, fields and documents a correction request may name", () => {
    const options = decisionOptions("village_review", { documents });
    const offered = options.correctable;
    expect(offered?.sections.map((entry) => entry.section)).not.toContain("kind");
    const paths = offered?.sections.flatMap((entry) => [entry.section, ...entry.fields]) ?? [];
    expect(paths).toContain("building.heightM");
    for (const path of paths) {
      const input = decisionInputSchema.safeParse({
        outcome: "correction_requested",
        fields: [path],
        comment: "x",
      });
      expect(input.success, path).toBe(true);
    }
    expect(
      decisionInputSchema.safeParse({ outcome: "correction_requested", fields: ["kind"], comment: "x" })
        .success,
    ).toBe(false);
    const types = offered?.documents.map((document) => document.typeId) ?? [];
    expect(types).toEqual(documents.map((document) => document.typeId));
    const ask = (type: string) =>
      decisionProblems(
        "village_review",
        { outcome: "correction_requested", documents: [type], comment: "x" },
        options,
      );
    for (const type of types) expect(ask(type), type).toEqual([]);
    expect(ask("passport")).toEqual([expect.stringContaining("passport")]);
  });

  it("says which steps record measurements, photos and objections", () => {
    expect(decisionOptions("site_visit_staking")).toEqual({
      outcomes: ["approved"],
      measurements: true,
      photos: true,
      objections: false,
    });
    expect(decisionOptions("joint_review", { recordsSiteVisit: true })).toMatchObject({
      measurements: false,
      photos: true,
    });
    expect(decisionOptions("village_review")).toMatchObject({ objections: true, photos: false });
  });
});

describe("application paths", () => {
  const current = {
    kind: "homestead" as const,
    head: { name: "王建国", phone: "13800000000" },
    proposedPlot: { address: "龙鹄村3组", boundaries: { east: "路", south: "田", west: "河", north: "山" } },
  };

  it("knows the form's fields", () => {
    expect(isApplicationFieldPath("building.floors")).toBe(true);
    expect(isApplicationFieldPath("proposedPlot.location")).toBe(true);
    expect(isApplicationFieldPath("proposedPlot.location.type")).toBe(false);
    expect(isApplicationFieldPath("constructor")).toBe(false);
  });

  it("reports only the values a patch really changes", () => {
    expect(changedPaths(current, { head: { name: "王建国", phone: "13900000000" } })).toEqual(["head.phone"]);
    expect(changedPaths(current, current)).toEqual([]);
    expect(changedPaths(current, { proposedPlot: { boundaries: { east: "新路" } } })).toEqual([
      "proposedPlot.boundaries.east",
    ]);
  });

  it("covers a changed path by an asked field or its parent", () => {
    expect(isCoveredBy("proposedPlot.boundaries.east", ["proposedPlot.boundaries"])).toBe(true);
    expect(isCoveredBy("head.phone", ["head.phoneNumber"])).toBe(false);
  });

  it("merges a patch field by field", () => {
    expect(mergeApplication(current, { head: { phone: "13900000000" } }).head).toEqual({
      name: "王建国",
      phone: "13900000000",
    });
  });
});

describe("which steps record a site visit (county policy)", () => {
  const policy = SICHUAN_DEFAULT_POLICY;

  it("maps staking-out and completion to their policy visits", () => {
    expect(siteVisitOf({ step: "site_visit_staking" }, policy, "homestead")?.id).toBe("staking_out");
    expect(siteVisitOf({ step: "site_visit_completion" }, policy, "farmhouse")?.id).toBe(
      "completion_inspection",
    );
  });

  it("sends only the departments the policy names on the site check inside joint review", () => {
    const site = (department: DepartmentId) =>
      siteVisitOf({ step: "joint_review", department }, policy, "homestead")?.id;
    expect(site("agriculture")).toBe("site_check");
    expect(site("natural_resources")).toBe("site_check");
    expect(site("housing_construction")).toBeUndefined();
    expect(siteVisitOf({ step: "village_review" }, policy, "homestead")).toBeUndefined();
  });

  it("follows the county: a policy without the site check gives joint review no visit", () => {
    const without = {
      siteVisits: policy.siteVisits.filter((visit) => visit.stage !== "joint_review"),
    };
    expect(
      siteVisitOf({ step: "joint_review", department: "agriculture" }, without, "homestead"),
    ).toBeUndefined();
    const farmhouseOnly = {
      siteVisits: policy.siteVisits.map((visit) => ({ ...visit, appliesTo: ["farmhouse" as const] })),
    };
    expect(siteVisitOf({ step: "site_visit_staking" }, farmhouseOnly, "homestead")).toBeUndefined();
  });
});

describe("enforce", () => {
  it("lets an allowed act through, and throws not found for hidden, not permitted for refused", () => {
    expect(() => enforce({ allowed: true })).not.toThrow();
    const reason = { en: "no", zh: "否" };
    expect(() => enforce({ allowed: false, denial: "hidden", reason })).toThrow(ResourceNotFoundError);
    expect(() => enforce({ allowed: false, denial: "refused", reason })).toThrow(NotPermittedError);
  });
});
