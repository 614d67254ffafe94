/** Pre-check rules on the household: its register entry, its other homesteads and members, its size. */
import type { Finding } from "../../schemas/precheck.ts";
import { finding, type PrecheckRule } from "./rule.ts";

const HELD_STATUSES = new Set(["in_use", "approved_unbuilt"]);

export const householdRegisteredInVillage: PrecheckRule = {
  id: "household-registered-in-village",
  run: ({ facts }) =>
    facts.household.registrationVillageCode === facts.village.villageCode
      ? []
      : [
          finding(
            "household-registered-in-village",
            "block",
            "申请户户籍不在宅基地所在村",
            "The household is not registered in the village where the plot lies",
            {
              registrationVillageCode: facts.household.registrationVillageCode,
              plotVillageCode: facts.village.villageCode,
            },
          ),
        ],
};

/**
 * One household, one homestead (Art. 62): after this case the household may hold at
 * most one plot. A new plot counts as one more; rebuilding or enlarging reuses a
 * held plot. A household that sold, rented out or gave away its house gets no new homestead.
 */
export const oneHouseholdOneHomestead: PrecheckRule = {
  id: "one-household-one-homestead",
  run: ({ application, facts }) => {
    const findings: Finding[] = [];
    // The application's commitment (承诺书) to return the plot it lives on counts like the register's flag;
    // completion records the follow-up (shared/store/household-items.ts).
    const promisesReturn = application.currentHomestead?.oldPlotDisposition === "return";
    const keptPlots = facts.existingHomesteads.filter(
      (homestead) =>
        HELD_STATUSES.has(homestead.status) &&
        !homestead.willBeReturned &&
        !(promisesReturn && homestead.status === "in_use"),
    );
    const newPlot = application.proposedPlot.situation === "new_plot" ? 1 : 0;
    if (keptPlots.length + newPlot > 1) {
      findings.push(
        finding(
          "one-household-one-homestead",
          "block",
          `违反“一户一宅”：本户已有 ${keptPlots.length} 处宅基地且不退出`,
          `One household, one homestead: the household keeps ${keptPlots.length} plot(s) it does not return`,
          {
            keptHomesteadIds: keptPlots.map((homestead) => homestead.homesteadId),
            situation: application.proposedPlot.situation,
          },
        ),
      );
    }
    const transferred = facts.existingHomesteads.filter((homestead) => homestead.status === "transferred");
    if (application.kind === "homestead" && transferred.length > 0) {
      findings.push(
        finding(
          "one-household-one-homestead",
          "block",
          "本户已出卖、出租或赠与住宅，不得再申请宅基地",
          "The household sold, rented out or gave away its house and may not apply for a new homestead",
          { transferredHomesteadIds: transferred.map((homestead) => homestead.homesteadId) },
        ),
      );
    }
    return findings;
  },
};

/**
 * One household, one homestead across households: the applicant's people
 * (keyed hashes of their ID numbers) looked up in the register and in other
 * households' cases. A head who holds a homestead in another household, or
 * whose other household's case was approved for one, is blocked; any other
 * appearance elsewhere (a member in another household's case or holding, a
 * head in another open case) is a warning for the agriculture office, since
 * splitting a household (分户) is legitimate and only people can judge it.
 */
export const personsInOtherHouseholds: PrecheckRule = {
  id: "persons-in-other-households",
  run: ({ facts }) => {
    const matches = (facts.personMatches ?? []).filter(
      (match) =>
        match.householdId !== facts.household.householdId && (match.holdsHomestead || match.openCase),
    );
    const findings: Finding[] = [];
    const headHolding = matches.filter((match) => match.person === "head" && match.holdsHomestead);
    if (headHolding.length > 0) {
      findings.push(
        finding(
          "head-holds-homestead-elsewhere",
          "block",
          "违反“一户一宅”：户主已在其他户持有（或已获批）宅基地",
          "One household, one homestead: the head of household already holds (or was approved for) a homestead in another household",
          {
            households: [...new Set(headHolding.map((match) => match.householdId))],
            cases: headHolding.flatMap((match) => (match.caseId ? [match.caseId] : [])),
          },
        ),
      );
    }
    const others = matches.filter((match) => !(match.person === "head" && match.holdsHomestead));
    if (others.length > 0) {
      findings.push(
        finding(
          "persons-in-other-households",
          "warn",
          "申请人或家庭成员已出现在其他户的申请或宅基地登记中，请核实户籍与分户情况",
          "A person of the application appears in another household's case or homestead holding; check the household registration",
          {
            people: others.map((match) => ({
              person: match.person,
              householdId: match.householdId,
              source: match.source,
              ...(match.caseId ? { caseId: match.caseId } : {}),
              holdsHomestead: match.holdsHomestead,
              openCase: match.openCase,
            })),
          },
        ),
      );
    }
    return findings;
  },
};

/** Rebuilding or enlarging needs a plot the household holds today. */
export const existingPlotRequired: PrecheckRule = {
  id: "existing-plot-required",
  run: ({ application, facts }) => {
    const reusesPlot = application.kind === "farmhouse" || application.proposedPlot.situation !== "new_plot";
    if (!reusesPlot) return [];
    const held = facts.existingHomesteads.filter((homestead) => HELD_STATUSES.has(homestead.status));
    return held.length > 0
      ? []
      : [
          finding(
            "existing-plot-required",
            "block",
            "原址翻建或改扩建，但登记中没有本户现有的宅基地",
            "Rebuilding or enlarging, but the register shows no plot held by the household",
            { situation: application.proposedPlot.situation, kind: application.kind },
          ),
        ];
  },
};

export const householdSizeConsistent: PrecheckRule = {
  id: "household-size-consistent",
  run: ({ application, facts }) => {
    const stated = 1 + application.members.length;
    return stated === facts.household.membersCount
      ? []
      : [
          finding(
            "household-size-consistent",
            "warn",
            `申请表填写 ${stated} 人，户籍登记 ${facts.household.membersCount} 人；面积标准按户籍人数计算`,
            `The form lists ${stated} persons, the household register ${facts.household.membersCount}; the area standard uses the register`,
            { statedSize: stated, registeredSize: facts.household.membersCount },
          ),
        ];
  },
};
