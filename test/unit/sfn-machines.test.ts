import type { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import type { StateSpec } from "#infra/local/sfn-definition.ts";
import { type MachineRegistry, registerMachine } from "#infra/local/sfn-machines.ts";

const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;

function registry(): MachineRegistry {
  return {
    machines: new Map(),
    compiled: new Map<string, { states: Map<string, StateSpec>; prepared: StateMachine }>(),
    waitScale: 1,
    now: () => 0,
  };
}

describe("registerMachine (local Step Functions)", () => {
  it("validates and prepares a definition once, however many machines share its text", () => {
    const machines = registry();
    const definition = { StartAt: "P", States: { P: { Type: "Pass", End: true } } };
    const first = registerMachine(machines, arn("A"), definition);
    const second = registerMachine(machines, arn("B"), JSON.stringify(definition));
    expect(machines.compiled.size).toBe(1);
    expect(second.prepared).toBe(first.prepared);
    expect(second.states).toBe(first.states);
    expect([...machines.machines.keys()]).toEqual([arn("A"), arn("B")]);
  });

  it("leaves the caller's definition as it was (the validator would add QueryLanguage to it)", () => {
    const definition = { StartAt: "P", States: { P: { Type: "Pass", End: true } } };
    registerMachine(registry(), arn("A"), definition);
    expect(definition).toEqual({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });
  });

  it("rejects invalid ASL and a malformed ARN without registering anything", () => {
    const machines = registry();
    expect(() =>
      registerMachine(machines, arn("C"), { StartAt: "Missing", States: { P: { Type: "Pass", End: true } } }),
    ).toThrow(/invalid/i);
    expect(() => registerMachine(machines, "arn:aws:lambda:x", { StartAt: "P", States: {} })).toThrow(
      /not a state machine ARN/,
    );
    expect(machines.machines.size).toBe(0);
    expect(machines.compiled.size).toBe(0);
  });
});
