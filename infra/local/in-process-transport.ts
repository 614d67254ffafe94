/**
 * The SDK transport (a client's `requestHandler`) by which the in-process
 * Lambdas reach the local DynamoDB: each request goes to the stand-in's front
 * as a function call instead of through a socket.
 *
 * Why: the handlers run in the local cloud's own process, and Node's HTTP on
 * both ends of a loopback socket was a fifth of an integration test's CPU
 * (journeys.test.ts 55 → 44 s, docs/testing.md#suite-time). The rest is as
 * over HTTP: the real SDK client serializes, signs, retries and parses; the
 * front answers with the same code path as on its port (locks, transactions,
 * the meter); fault hooks answer or reset the same way (faults.ts). The
 * tests' own clients, `npm start`'s tools and browsers still use the port.
 *
 * One transport per process, attached to the stand-in that is running: a
 * client built before a restart reaches the stand-in started after it, and a
 * call with none running fails as a refused connection would.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { JsonResponse } from "./dynamodb-dynalite.ts";
import {
  connectionReset,
  faultAnswer,
  type LocalFaults,
  operationOfTarget,
  type ServiceCall,
} from "./faults.ts";

/** Answers one request of an AWS JSON protocol (`X-Amz-Target` and body), as the front's port would. */
export type JsonAnswerer = (target: string, body: Buffer) => Promise<JsonResponse>;

type RequestHandler = Extract<NonNullable<DynamoDBClientConfig["requestHandler"]>, { handle: unknown }>;
type HandledRequest = Parameters<RequestHandler["handle"]>[0];
type Handled = Awaited<ReturnType<RequestHandler["handle"]>>;

interface Attached {
  readonly answer: JsonAnswerer;
  readonly faults: LocalFaults["service"];
}

/**
 * The request body as bytes. The SDK's JSON body is a string or a Uint8Array that warns when used as
 * a string (`Buffer.from(value)` would call its `valueOf`): its bytes are viewed, not converted.
 */
function bodyOf(body: unknown): Buffer {
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body === undefined || body === null) return Buffer.alloc(0);
  throw new TypeError("The in-process transport takes string or byte bodies only");
}

export class InProcessTransport {
  private attached: Attached | undefined;

  constructor(private readonly service: ServiceCall["service"]) {}

  /** The local cloud's stand-in starts answering (and its fault hooks apply). */
  attach(answer: JsonAnswerer, faults?: LocalFaults["service"]): void {
    this.attached = { answer, faults };
  }

  /** The stand-in stops; a later start attaches its successor. */
  detach(answer: JsonAnswerer): void {
    if (this.attached?.answer === answer) this.attached = undefined;
  }

  async handle(request: HandledRequest): Promise<Handled> {
    const attached = this.attached;
    if (!attached)
      throw Object.assign(new Error("connect ECONNREFUSED (no local stand-in running)"), {
        code: "ECONNREFUSED",
      });
    const target = String(request.headers["x-amz-target"] ?? "");
    const fault = attached.faults?.({
      service: this.service,
      operation: operationOfTarget(target),
    });
    if (fault === "reset") throw connectionReset();
    if (fault) {
      const injected = faultAnswer(this.service, fault);
      return {
        response: {
          statusCode: injected.status,
          headers: injected.headers,
          body: Buffer.from(injected.body),
        },
      };
    }
    const body = bodyOf(request.body);
    const answer = await attached.answer(target, body);
    const text = Buffer.from(JSON.stringify(answer.body));
    return {
      response: {
        statusCode: answer.status,
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "content-length": String(text.length),
          "x-amzn-requestid": randomUUID(),
        },
        body: text,
      },
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/** The in-process Lambdas' DynamoDB transport (shared/clients.ts takes it when the local cloud starts). */
export const dynamoDbTransport = new InProcessTransport("dynamodb");
