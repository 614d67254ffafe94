import type { Template } from "aws-cdk-lib/assertions";

/**
 * The definition is an Fn::Join (it embeds function ARNs): join it with each
 * token written as <LogicalId.Attribute> or <Ref>, so it can be matched as JSON.
 */
export function stateMachineDefinition(template: Template): string {
  const [machine] = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
  const join = machine?.Properties.DefinitionString["Fn::Join"] as [string, unknown[]];
  return join[1]
    .map((part) => {
      if (typeof part === "string") return part;
      const token = part as { Ref?: string; "Fn::GetAtt"?: [string, string] };
      return token.Ref ? `<${token.Ref}>` : `<${token["Fn::GetAtt"]?.join(".")}>`;
    })
    .join(join[0]);
}
