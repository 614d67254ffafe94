import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceItems } from "#infra/local/seed.ts";
import { csvField } from "#shared/audit/csv.ts";
import type { Actor } from "#shared/auth/actor.ts";
import { errorAnswer } from "#shared/http/error-mapping.ts";
import type { ReferenceType } from "#shared/reference/entities.ts";
import type { Polygon } from "#shared/reference/geometry.ts";
import { polygonAreaM2, rectangle } from "#shared/reference/geometry.ts";
import {
  getAdminImport,
  ImportInProgressError,
  type ImportWork,
  requestAdminImport,
  runImportSession,
} from "#shared/reference/import/admin-import.ts";
import { FileCheckpointStore } from "#shared/reference/import/checkpoints.ts";
import { ImportLog } from "#shared/reference/import/import-log.ts";
import {
  type ImportSource,
  importReferenceFile,
  rejectionReportCsv,
} from "#shared/reference/import/importer.ts";
import { ImportEncodingError } from "#shared/reference/import/source.ts";
import type { PlotLocation } from "#shared/schemas/application.ts";
import { overlappingParcels, parcelItemSchema, ReferenceStore } from "#shared/store/reference-store.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";

let env: TestCloud;
let checkpointDir: string;
beforeAll(async () => {
  env = await startTestCloud();
  checkpointDir = await mkdtemp(path.join(tmpdir(), "nongfang-checkpoints-"));
});
afterAll(async () => {
  await env?.stop();
  await rm(checkpointDir, { recursive: true, force: true });
});

const ADMIN = { id: "admin-1", role: "county_admin", name: "县管理员" } as const;
const table = () => env.cloud.endpoints.tableName;

const PARCEL_HEADER =
  "parcelId,villageCode,landClass,areaM2,cropland,permanentBasicFarmland,forestLand,waterProtectionZone,roadSetback,powerLine,polygon";

function parcelLine(id: string, polygon: unknown, overrides: Record<string, string | number> = {}): string {
  const area = typeof polygon === "object" ? Math.round(polygonAreaM2(polygon as Polygon) * 100) / 100 : 100;
  const row = {
    parcelId: id,
    villageCode: "511424199010",
    landClass: "farmland",
    areaM2: area,
    cropland: "true",
    permanentBasicFarmland: "false",
    forestLand: "false",
    waterProtectionZone: "false",
    roadSetback: "0",
    powerLine: "否",
    polygon: typeof polygon === "string" ? polygon : JSON.stringify(polygon),
    ...overrides,
  };
  return Object.values(row).map(csvField).join(",");
}

function source(name: string, content: Uint8Array | string, chunkSize = 1024): ImportSource {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return {
    name,
    format: name.endsWith(".csv") ? "csv" : "geojson",
    sizeBytes: bytes.length,
    identity: `test:${name}:${bytes.length}`,
    async *open() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
    },
  };
}

/** Counts the client's BatchWrite/BatchGet calls, and can crash after a number of BatchWrites. */
function instrumented(client: DynamoDBDocumentClient, crashAfterWrites = Number.POSITIVE_INFINITY) {
  const calls = { writes: 0, getKeys: 0 };
  const wrapped = {
    send: async (command: unknown) => {
      if (command instanceof BatchWriteCommand) {
        calls.writes++;
        if (calls.writes > crashAfterWrites) throw new Error("simulated crash: the process died");
      }
      if (command instanceof BatchGetCommand) {
        calls.getKeys += Object.values(command.input.RequestItems ?? {}).reduce(
          (n, r) => n + (r.Keys?.length ?? 0),
          0,
        );
      }
      return client.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client: wrapped, calls };
}

function run(
  type: ReferenceType,
  file: ImportSource,
  client: DynamoDBDocumentClient = env.dynamodb,
  more: object = {},
) {
  return importReferenceFile({
    type,
    source: file,
    client,
    tableName: table(),
    actor: ADMIN,
    checkpoints: new FileCheckpointStore(checkpointDir),
    chunkRows: 10,
    ...more,
  });
}

const good1 = rectangle(103.7001, 30.2001, 103.7004, 30.2004);
const good2 = rectangle(103.7011, 30.2001, 103.7014, 30.2004);

describe("reference import: mixed good and bad rows", () => {
  it("imports the good rows and reports every bad one with line, field and reason", async () => {
    const lines = [
      PARCEL_HEADER,
      parcelLine("P-good-1", good1),
      parcelLine("P-no-class", good1, { landClass: "" }),
      parcelLine("P-unclosed", {
        type: "Polygon",
        coordinates: [
          [
            [103.7, 30.2],
            [103.701, 30.2],
            [103.701, 30.201],
            [103.7, 30.201],
          ],
        ],
      }),
      parcelLine(
        "P-bowtie",
        {
          type: "Polygon",
          coordinates: [
            [
              [103.7, 30.2],
              [103.701, 30.201],
              [103.701, 30.2],
              [103.7, 30.201],
              [103.7, 30.2],
            ],
          ],
        },
        { areaM2: 100 },
      ),
      parcelLine("P-latlng", {
        type: "Polygon",
        coordinates: [
          [
            [30.2, 103.7],
            [30.2, 103.701],
            [30.201, 103.701],
            [30.2, 103.7],
          ],
        ],
      }),
      parcelLine("P-good-1", good2),
      "P-broken-bytes,511424199010,farmland,1,\uFFFD",
      "P-short,511424199010,farmland",
      parcelLine("P-good-2", good2),
      parcelLine("P-area", good2, { areaM2: 5000, forestLand: "maybe" }),
      parcelLine("P-not-json", "{type: Polygon"),
    ];
    // A BOM first (Excel's "CSV UTF-8"), CRLF line ends, and real invalid UTF-8 bytes on line 8.
    const text = `\uFEFF${lines.join("\r\n")}\r\n`;
    const bytes = Buffer.from(text, "utf8");
    const marker = bytes.indexOf(Buffer.from("\uFFFD", "utf8"));
    const withBadBytes = Buffer.concat([
      bytes.subarray(0, marker),
      Buffer.from([0xb9, 0xfa]),
      bytes.subarray(marker + 3),
    ]);

    const summary = await run("parcel", source("mixed.csv", withBadBytes, 97));

    expect(summary.counts).toEqual({ rows: 11, imported: 2, unchanged: 0, rejected: 9 });
    expect(summary.rejections).toEqual([
      { line: 3, field: "landClass", reason: "missing" },
      {
        line: 4,
        field: "polygon",
        reason: "ring 0 is not closed (first [103.7, 30.2] ≠ last [103.7, 30.201])",
      },
      {
        line: 5,
        field: "polygon",
        reason: "polygon intersects itself (1 crossing(s), first at [103.7005, 30.2005])",
      },
      {
        line: 6,
        field: "polygon",
        reason:
          "coordinates look like [latitude, longitude] (e.g. [30.2, 103.7]); GeoJSON wants [longitude, latitude]",
      },
      { line: 7, field: "parcelId", reason: "duplicate id P-good-1 (first on line 2)" },
      { line: 8, field: "(line)", reason: "invalid UTF-8 bytes (is this line GBK?)" },
      { line: 9, field: "(line)", reason: "3 fields, the header has 11" },
      { line: 11, field: "forestLand", reason: "not a yes/no value (true/false, 1/0, 是/否)" },
      { line: 12, field: "polygon", reason: "not valid JSON" },
    ]);
    expect(rejectionReportCsv(summary.rejections).split("\r\n").slice(0, 3)).toEqual([
      "\uFEFFline,field,reason",
      "3,landClass,missing",
      '4,polygon,"ring 0 is not closed (first [103.7, 30.2] ≠ last [103.7, 30.201])"',
    ]);

    const log = await new ImportLog(env.dynamodb, table()).listDay(summary.finishedAt.slice(0, 10));
    expect(log.find((record) => record.importId === summary.importId)).toMatchObject({
      entityType: "parcel",
      source: "mixed.csv",
      sha256: summary.sha256,
      actor: ADMIN,
      counts: { rows: 11, imported: 2, unchanged: 0, rejected: 9 },
    });
  });

  it("reports a declared area that disagrees with the polygon", async () => {
    const summary = await run(
      "parcel",
      source("area.csv", `${PARCEL_HEADER}\n${parcelLine("P-area-2", good2, { areaM2: 5000 })}\n`),
    );
    expect(summary.rejections).toEqual([
      {
        line: 2,
        field: "areaM2",
        reason: expect.stringMatching(
          /^declared 5000 m² differs from the polygon's [\d.]+ m² by more than 10%$/,
        ),
      },
    ]);
  });

  it("refuses a GBK file as a whole with a clear message", async () => {
    const gbk = Buffer.concat([
      Buffer.from("townshipCode,nameZh,nameEn\n511424199,"),
      Buffer.from([0xb5, 0xa4, 0xc0, 0xe2, 0xd5, 0xf2]), // 丹棱镇 in GBK
      Buffer.from(",Danling\n"),
    ]);
    await expect(run("township", source("gbk.csv", gbk))).rejects.toThrow(ImportEncodingError);
    await expect(run("township", source("gbk.csv", gbk))).rejects.toThrow(/looks GBK-encoded/);
  });

  it("reads GeoJSON with one feature per line and numbers its lines", async () => {
    const features = [
      {
        type: "Feature",
        properties: { villageCode: "511424199010" },
        geometry: rectangle(103.7, 30.2, 103.71, 30.21),
      },
      { type: "Feature", properties: { villageCode: "511424199011" }, geometry: null },
    ];
    const text = `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(",\n")}\n]}\n`;
    const summary = await run("boundary", source("boundaries.geojson", text));
    expect(summary.counts).toMatchObject({ rows: 2, imported: 1, rejected: 1 });
    expect(summary.rejections).toEqual([{ line: 3, field: "polygon", reason: "missing" }]);
  });
});

function parcelFile(count: number, prefix: string): ImportSource {
  const rows = Array.from({ length: count }, (_, i) => {
    const w = 103.72 + (i % 10) * 0.0005;
    const s = 30.22 + Math.floor(i / 10) * 0.0005;
    return parcelLine(`${prefix}-${i}`, rectangle(w, s, w + 0.0004, s + 0.0004));
  });
  return source(`${prefix}.csv`, `${PARCEL_HEADER}\n${rows.join("\n")}\n`);
}

describe("reference import: upserts and resume", () => {
  it("re-importing the same file changes nothing and writes nothing", async () => {
    const file = parcelFile(40, "P-idem");
    const first = await run("parcel", file);
    expect(first.counts).toEqual({ rows: 40, imported: 40, unchanged: 0, rejected: 0 });

    const { client, calls } = instrumented(env.dynamodb);
    const second = await run("parcel", file, client);
    expect(second.counts).toEqual({ rows: 40, imported: 0, unchanged: 40, rejected: 0 });
    expect(second.writes).toBe(0);
    expect(calls.writes).toBe(0);
    expect(second.sha256).toBe(first.sha256);
  });

  it("a changed polygon moves the parcel's grid entries and deletes the stale ones", async () => {
    const before = rectangle(103.74, 30.24, 103.7404, 30.2404);
    const after = rectangle(103.75, 30.25, 103.7504, 30.2504);
    await run("parcel", source("move-1.csv", `${PARCEL_HEADER}\n${parcelLine("P-moving", before)}\n`));
    const moved = await run(
      "parcel",
      source("move-2.csv", `${PARCEL_HEADER}\n${parcelLine("P-moving", after)}\n`),
    );
    expect(moved.counts.imported).toBe(1);
    const store = new ReferenceStore(env.dynamodb, table());
    expect((await store.candidateParcels(before)).map((p) => p.parcelId)).not.toContain("P-moving");
    expect((await store.candidateParcels(after)).map((p) => p.parcelId)).toContain("P-moving");
  });

  it("continues after the last checkpoint when an interrupted import is resumed", async () => {
    const file = parcelFile(100, "P-resume");
    // Chunks of 10 rows need ~2 batches each: the crash lands in the fourth chunk.
    const crashing = instrumented(env.dynamodb, 7);
    await expect(run("parcel", file, crashing.client)).rejects.toThrow(/simulated crash/);

    const resumed = instrumented(env.dynamodb);
    const summary = await run("parcel", file, resumed.client, { resume: true });
    expect(summary.complete).toBe(true);
    expect(summary.resumedAfterLine).toBeGreaterThan(1);
    expect(summary.resumedAfterLine).toBeLessThan(101);
    // Rows up to the checkpoint were neither read back nor written again.
    expect(resumed.calls.getKeys).toBe(101 - (summary.resumedAfterLine ?? 0));
    expect(summary.counts).toEqual({ rows: 100, imported: 100, unchanged: 0, rejected: 0 });

    const again = await run("parcel", file);
    expect(again.counts).toEqual({ rows: 100, imported: 0, unchanged: 100, rejected: 0 });
    const grid = await env.dynamodb.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :grid)",
        ExpressionAttributeValues: { ":pk": "VILLAGE#511424199010", ":grid": "GRID#" },
        Select: "COUNT",
      }),
    );
    expect(grid.Count).toBeGreaterThanOrEqual(100);
  });
});

describe("pre-check reference facts through the byGridCell index", () => {
  const seeded = referenceItems()
    .filter((item) => item.type === "parcel")
    .map((item) => parcelItemSchema.parse(item));
  const plots: [string, string, PlotLocation][] = [
    ["511424100001-H0001", "511424100001", { type: "Point", coordinates: [103.502, 30.002] }],
    ["511424100001-H0002", "511424100001", { type: "Point", coordinates: [103.506, 30.002] }],
    ["511424100001-H0001", "511424100001", rectangle(103.5015, 30.0025, 103.5025, 30.003)],
    ["511424100001-H0001", "511424100001", rectangle(103.5035, 30.0035, 103.5045, 30.0045)],
    ["511424100002-H0001", "511424100002", { type: "Point", coordinates: [103.522, 30.002] }],
    ["511424101001-H0001", "511424101001", { type: "Point", coordinates: [103.604, 30.052] }],
    ["511424100001-H0001", "511424100001", { type: "Point", coordinates: [103.52, 30.02] }],
  ];

  it.each(plots)(
    "finds for %s the same parcels as the village-wide search did (%#)",
    async (household, village, plot) => {
      const facts = await new ReferenceStore(env.dynamodb, table()).factsFor(household, village, plot);
      const before = overlappingParcels(
        plot,
        seeded.filter((parcel) => parcel.villageCode === village),
      );
      expect(facts.overlappingParcels).toEqual(before);
    },
  );
});

describe("admin import work sessions", () => {
  const deps = () => ({
    client: env.dynamodb,
    tableName: table(),
    s3: env.s3,
    bucketName: env.cloud.endpoints.bucketName,
  });
  const actor = (role: Actor["role"]): Actor => ({ id: `${role}-1`, name: role, role, townships: [] });
  const households = [
    "householdId,headIdHash,membersCount,registrationVillageCode",
    ...Array.from(
      { length: 30 },
      (_, i) => `511424199010-H${String(i).padStart(4, "0")},${"ab".repeat(32)},${1 + (i % 6)},511424199010`,
    ),
    `511424199010-H9999,${"ab".repeat(32)},0,511424199010`,
  ].join("\n");
  const started: ImportWork[] = [];
  const requestDeps = () => ({
    ...deps(),
    startWorkflow: async (work: ImportWork) => void started.push(work),
  });

  beforeAll(async () => {
    await env.s3.send(
      new PutObjectCommand({
        Bucket: env.cloud.endpoints.bucketName,
        Key: "imports/households.csv",
        Body: households,
      }),
    );
  });

  it("refuses anyone but a county admin", async () => {
    await expect(
      requestAdminImport(requestDeps(), actor("auditor"), {
        type: "household",
        key: "imports/households.csv",
      }),
    ).rejects.toThrow(/county admin/);
  });

  it("stops each session at a checkpoint when its time is up, resumes in the next, and reports rejected rows in S3", async () => {
    const job = await requestAdminImport(requestDeps(), actor("county_admin"), {
      type: "household",
      key: "imports/households.csv",
    });
    expect(job.status).toBe("queued");
    const work = started.at(-1);
    if (!work) throw new Error("the workflow was not started");
    expect(work.importId).toBe(job.importId);

    // A second request for the same file while the first runs: refused, nothing started.
    const refused = await requestAdminImport(requestDeps(), actor("county_admin"), {
      type: "household",
      key: "imports/households.csv",
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ImportInProgressError);
    expect(errorAnswer(refused)).toMatchObject({
      statusCode: 409,
      body: { error: { code: "import_in_progress" } },
    });
    expect(started).toHaveLength(1);

    const lines: number[] = [];
    let next: ImportWork = work;
    for (let session = 0; session < 10 && !next.done; session++) {
      next = await runImportSession({ ...deps(), chunkRows: 10 }, next, -1);
      const progress = await getAdminImport(deps(), actor("county_admin"), job.importId);
      lines.push(progress.line);
      if (!next.done) expect(progress.status).toBe("running");
    }
    expect(next.done).toBe(true);
    // Several sessions, each past the last one's checkpoint.
    expect(lines.length).toBeGreaterThan(2);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);

    const done = await getAdminImport(deps(), actor("county_admin"), job.importId);
    expect(done).toMatchObject({
      status: "complete",
      counts: { rows: 31, imported: 30, unchanged: 0, rejected: 1 },
      rejections: [{ line: 32, field: "membersCount", reason: "must be at least 1" }],
      reportKey: `imports/reports/${job.importId}.csv`,
    });
    expect(done.sessions).toBe(lines.length);

    const household = await new ReferenceStore(env.dynamodb, table()).household("511424199010-H0003");
    expect(household.household).toEqual({
      householdId: "511424199010-H0003",
      membersCount: 4,
      registrationVillageCode: "511424199010",
    });
    // The file is free again.
    await requestAdminImport(requestDeps(), actor("county_admin"), {
      type: "household",
      key: "imports/households.csv",
    });
  });
});
