import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ENTRY_METADATA } from "#infra/constructs/function.ts";
import { ROUTES } from "#shared/http/routes.ts";
import { appTemplate } from "../support/cdk-app.ts";

let template: Template;
beforeAll(async () => {
  template = await appTemplate();
});

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

/** The handler entries whose role may use the personal-data key (kms:Decrypt on it). */
function entriesWithKeyAccess(): string[] {
  const resources = template.toJSON().Resources as Resources;
  const [keyId] =
    Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === "AWS::KMS::Key" &&
        String(resource.Properties?.Description).includes("personal data"),
    ) ?? [];
  const roles = new Set<string>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== "AWS::IAM::Policy") continue;
    const text = JSON.stringify(resource.Properties?.PolicyDocument);
    if (text.includes("kms:Decrypt") && text.includes(`"${keyId}"`)) {
      for (const role of (resource.Properties?.Roles ?? []) as { Ref: string }[]) roles.add(role.Ref);
    }
  }
  return Object.values(resources)
    .filter((resource) => resource.Type === "AWS::Lambda::Function")
    .filter((resource) =>
      roles.has(
        String((resource.Properties?.Role as { "Fn::GetAtt"?: string[] } | undefined)?.["Fn::GetAtt"]?.[0]),
      ),
    )
    .map((resource) => String(resource.Metadata?.[ENTRY_METADATA]))
    .sort();
}

describe("personal-data key", () => {
  it("is one customer-managed symmetric key with yearly rotation, retained with the stack", () => {
    // The other key of the stack seals pagination cursors (test/infra/least-privilege.test.ts).
    const keys = template.findResources("AWS::KMS::Key", {
      Properties: { Description: Match.stringLikeRegexp("personal data") },
    });
    expect(Object.keys(keys)).toHaveLength(1);
    template.hasResource("AWS::KMS::Key", {
      Properties: {
        Description: Match.stringLikeRegexp("personal data"),
        EnableKeyRotation: true,
        RotationPeriodInDays: 365,
      },
      DeletionPolicy: "Retain",
    });
  });

  it("is usable only by the functions that read or write whole application forms", () => {
    const expected = [
      ...new Set([
        ...ROUTES.filter((route) => route.uses.includes("personal-data:read")).map((route) => route.handler),
        "functions/workflow/precheck.ts",
        "functions/workflow/issue-certificates.ts",
        // The SMS sender opens the phone number of each message it sends (shared/notify/sender.ts).
        "functions/notify/send-sms.ts",
      ]),
    ].sort();
    expect(entriesWithKeyAccess()).toEqual(expected);
    // The documents, queue, decision, audit and register functions are not among them.
    expect(entriesWithKeyAccess()).not.toContain("functions/api/audit/case-events.ts");
    expect(entriesWithKeyAccess()).not.toContain("functions/api/review/decision.ts");
  });

  it("names the key to the functions that may use it, and only to them", () => {
    const resources = template.toJSON().Resources as Resources;
    const withKeyring = Object.values(resources)
      .filter((resource) => resource.Type === "AWS::Lambda::Function")
      .filter((resource) => JSON.stringify(resource.Properties?.Environment).includes("FIELD_KEY_ARN"))
      .map((resource) => String(resource.Metadata?.[ENTRY_METADATA]))
      .sort();
    // Those that open sealed fields, and those that only seal (a staff member's phone, never read back there).
    const sealOnly = ROUTES.filter(
      (route) => route.uses.includes("personal-data:write") && !route.uses.includes("personal-data:read"),
    ).map((route) => route.handler);
    expect(withKeyring).toEqual([...new Set([...entriesWithKeyAccess(), ...sealOnly])].sort());
  });
});
