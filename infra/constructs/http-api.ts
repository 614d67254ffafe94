import { RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { policyFor } from "#shared/auth/policy.ts";
import { ROUTES, type RouteDefinition, routeKey } from "#shared/http/routes.ts";
import type { NongfangFunction } from "./function.ts";

export interface HttpApiProps {
  /** The function that serves each handler module named in the route table. */
  readonly functionFor: (route: RouteDefinition) => NongfangFunction;
  /** Guards every route whose access is not "public" (the JWT authorizer of the identity construct). */
  readonly authorizer: IHttpRouteAuthorizer;
}

/**
 * The HTTP API (payload format 2.0), every route taken from the route table,
 * with access logs on the default stage.
 */
export class NongfangHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, "Api", { createDefaultStage: false, description: "Nongfang public API" });
    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    const integrations = new Map<NongfangFunction, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      // Every route has a row in the authorization policy, and the two agree on what is public.
      const policy = policyFor(routeKey(route));
      if ((policy.scope === "public") !== (route.access === "public")) {
        throw new Error(
          `${routeKey(route)}: the route table and shared/auth/policy.ts disagree on public access`,
        );
      }
      const fn = props.functionFor(route);
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn.function);
        integrations.set(fn, integration);
      }
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.access === "public" ? {} : { authorizer: props.authorizer }),
      });
      if (created && route.access === "public") {
        Validations.of(created).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `${routeKey(route)} is public by design (route table): health, OpenAPI and certificate verification need no sign-in.`,
        });
      }
    }
  }
}
