/**
 * ASL reference paths (`$.a.b`, `$['a'][0]`, `$$.Execution.Id`): the subset of
 * JSONPath that the `*Path` fields the emulator evaluates itself may use
 * (TimeoutSecondsPath, HeartbeatSecondsPath, SecondsPath, TimestampPath,
 * ItemsPath). The ASL spec allows only single-value paths there, so no
 * wildcards or filters are needed.
 */

export class ReferencePathError extends Error {
  override name = "ReferencePathError";
}

type Segment = string | number;

export function parseReferencePath(path: string): { root: "$" | "$$"; segments: Segment[] } {
  const root = path.startsWith("$$") ? "$$" : path.startsWith("$") ? "$" : undefined;
  if (root === undefined)
    throw new ReferencePathError(`'${path}' is not a reference path (must start with $)`);
  const segments: Segment[] = [];
  let rest = path.slice(root.length);
  while (rest.length > 0) {
    const dotted = /^\.([^.[\]]+)/.exec(rest);
    const indexed = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
    if (dotted?.[1] !== undefined) {
      segments.push(dotted[1]);
      rest = rest.slice(dotted[0].length);
    } else if (indexed?.[1] !== undefined) {
      segments.push(Number(indexed[1]));
      rest = rest.slice(indexed[0].length);
    } else if (quoted) {
      segments.push(quoted[1] ?? quoted[2] ?? "");
      rest = rest.slice(quoted[0].length);
    } else {
      throw new ReferencePathError(`unsupported reference path '${path}'`);
    }
  }
  return { root, segments };
}

/** The value at `path` in `input` (or in `context` for `$$` paths); throws when it is absent. */
export function readReferencePath(path: string, input: unknown, context?: unknown): unknown {
  const { root, segments } = parseReferencePath(path);
  let current: unknown = root === "$$" ? context : input;
  for (const segment of segments) {
    if (typeof segment === "number" && Array.isArray(current) && segment < current.length) {
      current = current[segment];
    } else if (
      typeof segment === "string" &&
      typeof current === "object" &&
      current !== null &&
      !Array.isArray(current) &&
      Object.hasOwn(current, segment)
    ) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      throw new ReferencePathError(`reference path '${path}' matched nothing in the state input`);
    }
  }
  return current;
}
