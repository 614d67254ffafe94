/**
 * Item sizes and consumed capacity for the transactions the local front
 * implements itself (dynalite never sees them, so it cannot count them).
 *
 * Model (from the DynamoDB developer guide; benchmarks compare against it):
 * - item size: attribute names + values (S/B: bytes, N: ~1 byte per 2
 *   significant digits + 1, BOOL/NULL: 1, L/M: 3 + 1 per element + elements).
 * - transactional write: 2 WCU per started KB of the larger of the item's
 *   before and after image (at least 1 KB), ConditionCheck included.
 * - transactional read: 2 RCU per started 4 KB (at least 4 KB).
 * - GSI writes are propagated outside the transaction, so they are charged
 *   like ordinary writes: 1 WCU per KB of the projected entry, per index
 *   write (an index key change is a delete plus a put, i.e. two writes).
 * - standard (non-transactional) writes: 1 WCU per started KB of the larger
 *   image, GSIs as above; a conditional write whose condition fails still
 *   costs the existing item's size (at least 1 KB), with no index writes.
 * - standard reads: the bytes read in one request (Query: all items
 *   evaluated, summed before rounding; BatchGetItem: each item on its own),
 *   1 RCU per started 4 KB, at least one, half when eventually consistent.
 *
 * Sources: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 * (capacity unit consumption for reads and writes),
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html (GSI write costs),
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * (failed conditional writes consume write capacity), item sizes:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */

export type AttributeMap = Record<string, unknown>;

export interface IndexShape {
  readonly indexName: string;
  /** Hash key first, then range key (if any). */
  readonly keyAttributes: readonly string[];
  /** undefined = ALL; otherwise the extra non-key attributes (INCLUDE) or none (KEYS_ONLY). */
  readonly nonKeyAttributes: readonly string[] | undefined;
}

export interface TableShape {
  readonly tableName: string;
  /** Hash key first, then range key (if any). */
  readonly keyAttributes: readonly string[];
  readonly globalSecondaryIndexes: readonly IndexShape[];
}

export interface Capacity {
  table: number;
  indexes: Map<string, number>;
}

const utf8 = new TextEncoder();

function byteLength(text: string): number {
  return utf8.encode(text).length;
}

function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, "")
    .replace(/[eE].*$/, "")
    .replace(".", "");
  const significant = digits.replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

function base64Size(value: unknown): number {
  // Wire JSON carries binaries as base64; the SDK's unmarshalled AttributeValues as bytes.
  if (value instanceof Uint8Array) return value.length;
  return typeof value === "string" ? Buffer.from(value, "base64").length : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Size of one wire-format AttributeValue ({"S": "x"}, {"N": "1"}, ...). */
export function valueSize(attributeValue: unknown): number {
  if (!isRecord(attributeValue)) return 0;
  const [type, value] = Object.entries(attributeValue)[0] ?? [];
  switch (type) {
    case "S":
      return typeof value === "string" ? byteLength(value) : 0;
    case "N":
      return typeof value === "string" ? numberSize(value) : 0;
    case "B":
      return base64Size(value);
    case "BOOL":
    case "NULL":
      return 1;
    case "SS":
      return Array.isArray(value) ? value.reduce<number>((sum, v) => sum + byteLength(String(v)), 0) : 0;
    case "NS":
      return Array.isArray(value) ? value.reduce<number>((sum, v) => sum + numberSize(String(v)), 0) : 0;
    case "BS":
      return Array.isArray(value) ? value.reduce<number>((sum, v) => sum + base64Size(v), 0) : 0;
    case "L":
      return Array.isArray(value) ? 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0) : 3;
    case "M":
      return isRecord(value) ? 3 + Object.keys(value).length + itemSize(value) : 3;
    default:
      return 0;
  }
}

/** Size of an item in bytes, as DynamoDB bills it. */
export function itemSize(item: AttributeMap): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += byteLength(name) + valueSize(value);
  return size;
}

function units(item: AttributeMap | undefined, unitBytes: number): number {
  return Math.max(1, Math.ceil((item === undefined ? 0 : itemSize(item)) / unitBytes));
}

function projected(table: TableShape, index: IndexShape, item: AttributeMap): AttributeMap | undefined {
  if (!index.keyAttributes.every((name) => name in item)) return undefined;
  if (index.nonKeyAttributes === undefined) return item;
  const keep = new Set([...table.keyAttributes, ...index.keyAttributes, ...index.nonKeyAttributes]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => keep.has(name)));
}

function sameValues(a: AttributeMap, b: AttributeMap, names: Iterable<string>): boolean {
  for (const name of names) if (JSON.stringify(a[name]) !== JSON.stringify(b[name])) return false;
  return true;
}

function sameItem(a: AttributeMap, b: AttributeMap): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return sameValues(a, b, names);
}

/** Index write units caused by changing an item from `before` to `after` (undefined = absent). */
function indexWriteUnits(
  table: TableShape,
  index: IndexShape,
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
): number {
  const oldEntry = before === undefined ? undefined : projected(table, index, before);
  const newEntry = after === undefined ? undefined : projected(table, index, after);
  if (oldEntry === undefined && newEntry === undefined) return 0;
  if (oldEntry === undefined) return units(newEntry, 1024);
  if (newEntry === undefined) return units(oldEntry, 1024);
  if (!sameValues(oldEntry, newEntry, index.keyAttributes))
    return units(oldEntry, 1024) + units(newEntry, 1024);
  return sameItem(oldEntry, newEntry) ? 0 : units(newEntry, 1024);
}

/** Capacity of one standard write (PutItem, UpdateItem, DeleteItem, a BatchWriteItem request) from `before` to `after`. */
export function writeCapacity(
  table: TableShape,
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
): Capacity {
  const indexes = new Map<string, number>();
  for (const index of table.globalSecondaryIndexes) {
    const write = indexWriteUnits(table, index, before, after);
    if (write > 0) indexes.set(index.indexName, write);
  }
  return { table: Math.max(units(before, 1024), units(after, 1024)), indexes };
}

/** A standard conditional write whose condition failed: nothing changed, the existing item's size is charged. */
export function failedConditionalWriteCapacity(before: AttributeMap | undefined): Capacity {
  return { table: units(before, 1024), indexes: new Map() };
}

/** Capacity of one transactional write action on an item going from `before` to `after`. */
export function transactionalWriteCapacity(
  table: TableShape,
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
): Capacity {
  // Only the table write is doubled: index updates happen after the transaction, as ordinary writes.
  const standard = writeCapacity(table, before, after);
  return { table: 2 * standard.table, indexes: standard.indexes };
}

/** Read units for `bytes` read in one standard request (one item, or a Query/Scan page summed). */
export function readUnits(bytes: number, consistent: boolean): number {
  const strong = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? strong : strong / 2;
}

/** Capacity of one transactional (hence strongly consistent) read of `item` (undefined = absent). */
export function transactionalReadCapacity(item: AttributeMap | undefined): Capacity {
  return { table: 2 * units(item, 4096), indexes: new Map() };
}

export type CapacityMode = "TOTAL" | "INDEXES";

/** Sums per-action capacities into AWS's per-table ConsumedCapacity list. */
export function consumedCapacity(
  entries: readonly { tableName: string; capacity: Capacity }[],
  kind: "Read" | "Write",
  mode: CapacityMode,
): Record<string, unknown>[] {
  const perTable = new Map<string, Capacity>();
  for (const { tableName, capacity } of entries) {
    const sum = perTable.get(tableName) ?? { table: 0, indexes: new Map<string, number>() };
    sum.table += capacity.table;
    for (const [name, value] of capacity.indexes) sum.indexes.set(name, (sum.indexes.get(name) ?? 0) + value);
    perTable.set(tableName, sum);
  }
  const unitsKey = `${kind}CapacityUnits`;
  return [...perTable].map(([tableName, sum]) => {
    const total = sum.table + [...sum.indexes.values()].reduce((a, b) => a + b, 0);
    const result: Record<string, unknown> = { TableName: tableName, CapacityUnits: total, [unitsKey]: total };
    if (mode === "INDEXES") {
      result.Table = { CapacityUnits: sum.table, [unitsKey]: sum.table };
      if (sum.indexes.size > 0) {
        result.GlobalSecondaryIndexes = Object.fromEntries(
          [...sum.indexes].map(([name, value]) => [name, { CapacityUnits: value, [unitsKey]: value }]),
        );
      }
    }
    return result;
  });
}
