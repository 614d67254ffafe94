import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A string or template literal that glues English and Chinese with " / " ("No case / 未找到案件"). */
const GLUED = /["`][^"`]*[A-Za-z]{2,}[^"`]*\s\/\s[^"`]*\p{Script=Han}[^"`]*["`]/u;

function gluedLines(source: string): string[] {
  return source
    .split("\n")
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .filter((line) => GLUED.test(line));
}

describe("bilingual messages", () => {
  it("are never glued into one string: the English goes in message, the Chinese in zh", () => {
    const offenders = ["shared", "functions"].flatMap((folder) =>
      readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .flatMap((file) =>
          gluedLines(readFileSync(path.join(ROOT, folder, file), "utf8")).map(
            (line) => `${folder}/${file}: ${line.trim()}`,
          ),
        ),
    );
    expect(offenders).toEqual([]);
  });

  it("recognises a glued message", () => {
    expect(gluedLines("throw new NotFoundError(`No certificate 7 / 未找到该证书`);")).toHaveLength(1);
    expect(gluedLines('throw new NotFoundError({ en: "No certificate", zh: "未找到该证书" });')).toEqual([]);
    expect(gluedLines(" * `INBOX#<recipient>` / `MSG#…`: the in-app message (消息)")).toEqual([]);
  });
});
