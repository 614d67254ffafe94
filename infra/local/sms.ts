/**
 * The SMS stand-in: AWS End User Messaging SMS's `SendTextMessage`
 * (JSON 1.0 protocol, `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`) on
 * 127.0.0.1, reached by the unchanged AWS adapter (shared/notify/sms.ts)
 * through `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`. It records every message
 * a phone would receive in `<dataDir>/sms/messages.jsonl` (number masked,
 * text in full) and shows them, newest first, at its root URL (`npm start`
 * prints it) and as JSON at `/messages.json`. Fault hooks (faults.ts) may fail
 * it like the service (5xx, throttling, a reset connection).
 */
import { randomUUID } from "node:crypto";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import path from "node:path";
import { maskPhone } from "#shared/domain/phone.ts";
import { faultable, type LocalFaults } from "./faults.ts";

export interface RecordedSms {
  readonly messageId: string;
  readonly at: string;
  /** Masked: 138****5678. */
  readonly to: string;
  readonly text: string;
  readonly context?: Record<string, string>;
}

export interface LocalSms {
  readonly endpoint: string;
  /** Every message recorded so far, oldest first. */
  messages(): Promise<RecordedSms[]>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

export async function startLocalSms(options: {
  readonly dataDir: string;
  readonly port?: number;
  readonly faults?: LocalFaults["service"];
}): Promise<LocalSms> {
  const dir = path.join(options.dataDir, "sms");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "messages.jsonl");
  const messages = async (): Promise<RecordedSms[]> => {
    const text = await readFile(file, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RecordedSms);
  };
  const json = (status: number, value: unknown, type = "application/x-amz-json-1.0") => ({
    status,
    type,
    body: JSON.stringify(value),
  });
  const answer = async (req: IncomingMessage) => {
    if (req.method === "GET" && req.url === "/messages.json")
      return json(200, { messages: (await messages()).reverse() }, "application/json");
    if (req.method === "GET") {
      const rows = (await messages())
        .reverse()
        .map(
          (m) =>
            `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.text)}</td><td>${escapeHtml(m.context?.templateId ?? "")}</td></tr>`,
        )
        .join("");
      return {
        status: 200,
        type: "text/html; charset=utf-8",
        body: `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>短信（本地模拟）</title><h1>短信（本地模拟）· SMS stand-in</h1><p>Every SMS the platform sent, newest first, as the phone shows it.</p><table border="1" cellpadding="4"><thead><tr><th>时间 at</th><th>手机 to</th><th>内容 text</th><th>模板 template</th></tr></thead><tbody>${rows}</tbody></table></html>`,
      };
    }
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target !== "PinpointSMSVoiceV2.SendTextMessage")
      return json(400, { __type: "UnknownOperationException", message: `Not emulated: ${target}` });
    const input = JSON.parse((await body(req)) || "{}") as {
      DestinationPhoneNumber?: string;
      MessageBody?: string;
      Context?: Record<string, string>;
    };
    if (!input.DestinationPhoneNumber?.startsWith("+86") || !input.MessageBody)
      return json(400, {
        __type: "ValidationException",
        message: "DestinationPhoneNumber (+86…) and MessageBody",
      });
    const recorded: RecordedSms = {
      messageId: randomUUID(),
      at: new Date().toISOString(),
      to: maskPhone(input.DestinationPhoneNumber),
      text: input.MessageBody,
      ...(input.Context ? { context: input.Context } : {}),
    };
    await appendFile(file, `${JSON.stringify(recorded)}\n`);
    return json(200, { MessageId: recorded.messageId });
  };
  const server = createServer(
    faultable("sms", options.faults, (req, res) => {
      answer(req).then(
        (result) => {
          res.writeHead(result.status, {
            "content-type": result.type,
            "content-length": Buffer.byteLength(result.body),
          });
          res.end(result.body);
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify({ __type: "InternalServerException", message: String(error) }));
        },
      );
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
