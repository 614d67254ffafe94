/**
 * State machines of the local Step Functions: registration (validated and
 * prepared once per distinct definition text), DescribeStateMachine and
 * ListStateMachines.
 */
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { readRunCache, writeRunCache } from "./run-cache.ts";
import { type EmulatorCore, type RegisteredMachine, roleArnOf } from "./sfn-core.ts";
import { InvalidDefinitionError, indexStates, isRecord, prepareDefinition } from "./sfn-definition.ts";
import { pageOf, type RequestOf, seconds } from "./sfn-protocol.ts";

const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** What registration needs of the emulator (narrow, so it can be exercised on its own). */
export type MachineRegistry = Pick<EmulatorCore, "machines" | "compiled" | "waitScale" | "now">;

function parseDefinition(arn: string, definition: object | string): unknown {
  try {
    return typeof definition === "string" ? JSON.parse(definition) : definition;
  } catch (error) {
    throw new InvalidDefinitionError(`the definition of ${arn} is not JSON: ${String(error)}`);
  }
}

/** The validated, prepared library machine of a definition, compiled once per distinct text. */
function compile(registry: MachineRegistry, parsed: unknown, definitionText: string) {
  const cached = registry.compiled.get(definitionText);
  if (cached) return cached;
  const states = indexStates(parsed);
  // Validating costs a second (asl-validator compiles its schema); a test run does it once per text.
  if (!readRunCache<true>("valid-asl", definitionText)) {
    try {
      // Validation only (the library validates in its constructor). On a copy: asl-validator adds
      // QueryLanguage to every state of the object it is given, and the caller's ASL must stay unchanged.
      new StateMachine(structuredClone(parsed) as StateMachineDefinition);
    } catch (error) {
      throw new InvalidDefinitionError(error instanceof Error ? error.message : String(error));
    }
    writeRunCache("valid-asl", definitionText, true);
  }
  const prepared = new StateMachine(
    prepareDefinition(structuredClone(parsed), {
      waitScale: registry.waitScale,
    }) as unknown as StateMachineDefinition,
    { validationOptions: { noValidate: true } },
  );
  const compiled = { states, prepared };
  registry.compiled.set(definitionText, compiled);
  return compiled;
}

/**
 * Validates `definition` (once per distinct definition text) and makes it
 * startable under `arn`. Throws InvalidDefinitionError when it is not valid ASL.
 */
export function registerMachine(
  registry: MachineRegistry,
  arn: string,
  definition: object | string,
  name?: string,
): RegisteredMachine {
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match) throw new InvalidDefinitionError(`'${arn}' is not a state machine ARN`);
  const [, partition = "aws", region = "us-east-1", account = "000000000000", arnName = ""] = match;
  const parsed = parseDefinition(arn, definition);
  const definitionText = JSON.stringify(parsed);
  const compiled = compile(registry, parsed, definitionText);
  const timeoutSeconds =
    isRecord(parsed) && typeof parsed.TimeoutSeconds === "number" ? parsed.TimeoutSeconds : undefined;
  const machine: RegisteredMachine = {
    arn,
    name: name ?? arnName,
    partition,
    region,
    account,
    definitionText,
    states: compiled.states,
    prepared: compiled.prepared,
    timeoutSeconds,
    createdAt: registry.now(),
  };
  registry.machines.set(arn, machine);
  return machine;
}

export function describeStateMachine(core: EmulatorCore, request: RequestOf<"DescribeStateMachine">) {
  const machine = core.machineOf(request.stateMachineArn);
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    status: "ACTIVE",
    definition: machine.definitionText,
    roleArn: roleArnOf(machine),
    type: "STANDARD",
    creationDate: seconds(machine.createdAt),
  };
}

export function listStateMachines(core: EmulatorCore, request: RequestOf<"ListStateMachines">) {
  const machines = [...core.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = pageOf(machines, request.maxResults, request.nextToken);
  return {
    stateMachines: page.map((machine) => ({
      stateMachineArn: machine.arn,
      name: machine.name,
      type: "STANDARD",
      creationDate: seconds(machine.createdAt),
    })),
    nextToken,
  };
}
