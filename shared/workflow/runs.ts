/**
 * Execution ARNs of the approval workflow's runs. Run names are chosen by the
 * code that starts them (deterministic, so a retried start finds the same run),
 * so their ARNs are known without asking Step Functions.
 */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}
