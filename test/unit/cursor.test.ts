import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { ensureLocalKeyFile } from "#shared/crypto/local-keyring.ts";
import { Cursors, FileCursorKeyring } from "#shared/http/cursor.ts";
import { InvalidCursorError } from "#shared/http/errors.ts";

const dir = mkdtempSync(path.join(tmpdir(), "nongfang-cursor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyFile = (name: string) => {
  const file = path.join(dir, name);
  ensureLocalKeyFile(file);
  return file;
};
const cursors = new Cursors(new FileCursorKeyring(keyFile("a.key")));
const position = z.object({ pk: z.string(), sk: z.string() });
const scope = { route: "GET /register", caller: "clerk-a", query: ["511424100", null] };
const start = { pk: "CASE#1", sk: "CASE" };

describe("sealed cursors", () => {
  it("open to the position they sealed, for the same scope", async () => {
    const cursor = await cursors.seal(scope, start);
    expect(cursor).toMatch(/^c1\.[\w-]+$/);
    expect(cursor).not.toContain(Buffer.from("CASE#1").toString("base64url"));
    await expect(cursors.open(scope, cursor, position)).resolves.toEqual(start);
  });

  it.each([
    ["another route", { ...scope, route: "GET /register.csv" }],
    ["another caller", { ...scope, caller: "head-a" }],
    ["another query", { ...scope, query: ["511424101", null] }],
  ])("refuse %s", async (_label, other) => {
    const cursor = await cursors.seal(scope, start);
    await expect(cursors.open(other, cursor, position)).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it("refuse a cursor sealed with another key, an edited one and a non-canonical spelling", async () => {
    const cursor = await cursors.seal(scope, start);
    const foreign = await new Cursors(new FileCursorKeyring(keyFile("b.key"))).seal(scope, start);
    const body = cursor.slice(3);
    const flipped = `c1.${body.slice(0, 10)}${body[10] === "A" ? "B" : "A"}${body.slice(11)}`;
    for (const bad of [foreign, flipped, `${cursor}A`, "c1.", "c2.AAAA", "c1.AA.AA", "", "c1.____"]) {
      await expect(cursors.open(scope, bad, position), bad).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });

  it("refuse a genuine cursor whose position no longer fits the listing's schema", async () => {
    const cursor = await cursors.seal(scope, { other: 1 });
    await expect(cursors.open(scope, cursor, position)).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
