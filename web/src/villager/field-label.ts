/** Human labels for form paths, shared by the villager form and the staff review. */
import { isMessageKey, type MessageKey, t, tk } from "../i18n.ts";

/** A human label for a form path (`members.1.idNumber` → 成员 2 · 身份证号码). */
export function fieldLabel(path: string): string {
  const member = /^members\.(\d+)\.(\w+)/.exec(path);
  if (member) return `${t("member", { n: Number(member[1]) + 1 })} · ${tk("member", member[2])}`;
  if (isMessageKey(path)) return t(path);
  if (path.startsWith("proposedPlot.location")) return t("location");
  const sections: Record<string, MessageKey> = {
    head: "section.head",
    members: "section.members",
    currentHomestead: "section.currentHomestead",
    proposedPlot: "section.proposedPlot",
    "proposedPlot.boundaries": "boundaries",
    building: "section.building",
    neighboursConsulted: "neighboursConsulted",
    reason: "reason",
  };
  const key = sections[path];
  return key ? t(key) : path;
}
