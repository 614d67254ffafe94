/**
 * The README is a map and docs/ holds the rest: a link or a file path that no
 * longer leads anywhere is rot a newcomer trips over. Every relative link of
 * README.md and docs/*.md must reach a file of this repository (and its
 * #anchor a heading of that file); every file path written as code
 * (`shared/…/x.ts`) must exist; and the README stays a short map.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const README_MAX_LINES = 200;

/** Top-level folders whose files the documents name as code spans. */
const SOURCE_FOLDERS = ["infra", "shared", "functions", "web", "test", "bench", "docs", ".ci"];

interface Problem {
  readonly file: string;
  readonly target: string;
  readonly why: string;
}

/** GitHub's heading anchors: lower case, punctuation dropped (letters of any script kept), spaces → hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

function headingsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6}\s+(.+)$/.exec(line)?.[1];
    if (heading !== undefined) anchors.add(anchorOf(heading));
  }
  return anchors;
}

/** Markdown without its fenced code blocks (shell examples are not links). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** Problems of one Markdown file (`file` relative to `root`). */
function linkProblems(root: string, file: string, markdown: string): Problem[] {
  const problems: Problem[] = [];
  const text = prose(markdown);
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? "";
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [pathPart = "", anchor] = target.split("#");
    const resolved =
      pathPart === "" ? path.join(root, file) : path.resolve(root, path.dirname(file), pathPart);
    const relative = path.relative(root, resolved);
    if (relative.startsWith("..") || path.isAbsolute(relative)) {
      problems.push({ file, target, why: "leaves the repository" });
    } else if (!existsSync(resolved)) {
      problems.push({ file, target, why: "no such file" });
    } else if (anchor !== undefined && statSync(resolved).isFile() && resolved.endsWith(".md")) {
      const headed = pathPart === "" ? markdown : readFileSync(resolved, "utf8");
      if (!headingsOf(headed).has(anchor)) {
        problems.push({ file, target, why: "no such heading" });
      }
    }
  }
  const folders = SOURCE_FOLDERS.map((folder) => folder.replace(".", "\\.")).join("|");
  const codePath = new RegExp(`^(?:${folders})/[\\w./-]*\\.\\w+$`);
  for (const match of text.matchAll(/`([^`\s]+)`/g)) {
    const code = match[1] ?? "";
    if (codePath.test(code) && !existsSync(path.join(root, code))) {
      problems.push({ file, target: code, why: "names a file that does not exist" });
    }
  }
  return problems;
}

const documents = [
  "README.md",
  ...readdirSync(path.join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

describe("README.md and docs/", () => {
  it("link only to files and headings that exist in the repository", () => {
    const problems = documents.flatMap((file) => linkProblems(REPO_ROOT, file, read(file)));
    expect(problems).toEqual([]);
  });

  it("keeps the README a map: under 200 lines, every docs/ file linked from it", () => {
    const readme = read("README.md");
    expect(readme.split("\n").length).toBeLessThan(README_MAX_LINES);
    const unlinked = documents.filter((file) => file !== "README.md" && !readme.includes(`](${file})`));
    expect(unlinked).toEqual([]);
  });

  it("catches a missing file, a missing heading, a link out of the repository and a stale path", () => {
    const markdown = [
      "# Title",
      "[ok](README.md) [self](#title) [web](https://example.org/x) [gone](docs/nowhere.md)",
      "[bad anchor](README.md#no-such-heading) [outside](../elsewhere/PROCEDURE.md)",
      "`shared/http/routes.ts` `shared/http/no-such-file.ts` `.data/endpoints.json`",
      "```sh",
      "cat [not](a-link.md) `infra/nothing.ts`",
      "```",
    ].join("\n");
    expect(linkProblems(REPO_ROOT, "README.md", markdown).map((p) => `${p.target}: ${p.why}`)).toEqual([
      "docs/nowhere.md: no such file",
      "README.md#no-such-heading: no such heading",
      "../elsewhere/PROCEDURE.md: leaves the repository",
      "shared/http/no-such-file.ts: names a file that does not exist",
    ]);
    expect(anchorOf("Notifications (SMS and 消息)")).toBe("notifications-sms-and-消息");
  });
});
