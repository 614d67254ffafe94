import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { NongfangStack } from "./stack.ts";

/**
 * Builds the Nongfang app. cdk-nag's AwsSolutions pack runs on every synth
 * (the CDK v3 validations API); an unacknowledged finding fails the synth.
 */
export function buildApp(app: App = new App()): { app: App; stack: NongfangStack } {
  const origins = app.node.tryGetContext("webOrigins");
  const stack = new NongfangStack(app, "Nongfang", {
    webOrigins: Array.isArray(origins) ? origins.map(String) : ["http://localhost:3000"],
    description: "Nongfang: rural homestead and farmhouse permits",
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
