/** The cost benchmark's driver: one case of a scenario through the local cloud, as its users would. */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { executionArnOf, workflowRunName } from "#shared/cases/villager.ts";
import { constructionRunName } from "#shared/workflow/construction.ts";
import {
  applyAndSubmit,
  type BenchCloud,
  decide,
  deciderOf,
  expectStatus,
  http,
  json,
  TOWNSHIP_A,
} from "./cloud.ts";
import type { OpenedStep, StepQueues } from "./cost-instrument.ts";
import { stateTransitions, stepFunctionsLogRecord } from "./cost-model.ts";
import { QUEUE_OF, READS_DOCUMENTS, type Scenario } from "./cost-scenarios.ts";

export class Driver {
  constructor(
    readonly bench: BenchCloud,
    readonly sfn: SFNClient,
    readonly steps: StepQueues,
  ) {}

  executionArn(caseId: string): string {
    return executionArnOf(this.bench.cloud.endpoints.stateMachineArn, workflowRunName(caseId, 1));
  }

  /** The construction period's first phase run (started by the approval run at staking-out). */
  constructionArn(caseId: string): string {
    return executionArnOf(this.bench.cloud.endpoints.stateMachineArn, constructionRunName(caseId, 1));
  }

  private async running(executionArn: string): Promise<boolean> {
    try {
      const { status } = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return status === "RUNNING";
    } catch (error) {
      if ((error as Error).name === "ExecutionDoesNotExist") return false;
      throw error;
    }
  }

  /**
   * The next step opened for the case, or undefined once its runs have ended: the approval run,
   * then the construction period's phase run (the household's completion report, the inspection).
   */
  async nextStep(caseId: string): Promise<OpenedStep | undefined> {
    for (;;) {
      const step = this.steps.take(caseId);
      if (step) return step;
      const running =
        (await this.running(this.executionArn(caseId))) || (await this.running(this.constructionArn(caseId)));
      if (!running) return this.steps.take(caseId);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  /** What a reviewer does before deciding: the queue, the case, and (for document steps) every document. */
  async reviewerReads(caseId: string, opened: OpenedStep, decider: string): Promise<void> {
    const queue = opened.step === "joint_review" ? (opened.department ?? "") : (QUEUE_OF[opened.step] ?? "");
    expectStatus(
      await this.bench.call(decider, "GET", `/queues/${queue}?township=${TOWNSHIP_A}`),
      200,
      `queue ${queue}`,
    );
    const detail = json<{ documents: { download?: { url: string } }[] }>(
      expectStatus(await this.bench.call(decider, "GET", `/review/cases/${caseId}`), 200, "review case"),
    );
    if (!READS_DOCUMENTS.has(opened.step)) return;
    for (const document of detail.documents) {
      if (document.download) expectStatus(await http("GET", document.download.url), 200, "document");
    }
  }

  async run(scenario: Scenario): Promise<string> {
    const { bench } = this;
    const { caseId } = await applyAndSubmit(bench, {
      kind: scenario.kind,
      villager: scenario.villager,
      application: scenario.application(),
    });
    for (;;) {
      const opened = await this.nextStep(caseId);
      if (!opened) break;
      if (opened.step === "completion_report") {
        // The household reports the house built: the completion inspection opens.
        const reported = await bench.call(
          scenario.villager,
          "POST",
          `/cases/${caseId}/completion-report`,
          {},
        );
        // 202: stored, its delivery to the workflow still pending (the next step then opens later).
        if (reported.status !== 200 && reported.status !== 202)
          throw new Error(`completion report: ${reported.status} ${reported.body.slice(0, 400)}`);
        continue;
      }
      if (opened.step === "correction") {
        expectStatus(
          await bench.call(scenario.villager, "POST", `/cases/${caseId}/correction`, {
            application: { head: { phone: "13912345678" } },
            comment: "已更正",
          }),
          200,
          "villager correction",
        );
        continue;
      }
      const decider = deciderOf(opened.step, opened.department);
      if (scenario.reads) await this.reviewerReads(caseId, opened, decider);
      const asksCorrection = scenario.correction && opened.stepId === "township_acceptance#1";
      await decide(
        bench,
        caseId,
        opened,
        asksCorrection
          ? { outcome: "correction_requested", fields: ["head.phone"], comment: "请核对联系电话" }
          : { outcome: "approved", comment: "同意" },
      );
      // The villager follows the case once after every decision (a notification, then the case page).
      if (scenario.reads) {
        expectStatus(await bench.call(scenario.villager, "GET", `/cases/${caseId}`), 200, "case page");
      }
    }
    if (scenario.reads) {
      const view = json<{ certificates?: { type: string }[] }>(
        expectStatus(await bench.call(scenario.villager, "GET", `/cases/${caseId}`), 200, "case page"),
      );
      for (const certificate of view.certificates ?? []) {
        const download = json<{ url: string }>(
          expectStatus(
            await bench.call(scenario.villager, "GET", `/cases/${caseId}/certificates/${certificate.type}`),
            200,
            "certificate",
          ),
        );
        expectStatus(await http("GET", download.url), 200, "certificate download");
      }
    }
    return caseId;
  }

  /** Transitions and the state machine's log volume, from the execution history. */
  async history(caseId: string): Promise<{ transitions: number; logBytes: number }> {
    const executionArn = this.executionArn(caseId);
    const events: Record<string, unknown>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      // The SDK's HistoryEvent, read as the plain object it is (its details are looked up by key).
      events.push(...(page.events ?? []).map((event) => ({ ...event }) as Record<string, unknown>));
      nextToken = page.nextToken;
    } while (nextToken);
    const logBytes = events.reduce(
      (sum, event) => sum + Buffer.byteLength(stepFunctionsLogRecord(event, executionArn)),
      0,
    );
    return { transitions: stateTransitions(events).transitions, logBytes };
  }
}
