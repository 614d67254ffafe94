/**
 * dynalite's engine without its HTTP server: the store (LevelDB), the
 * validations and the actions that dynalite's own request handler runs
 * (dynalite 4.0.0, `index.js` › `httpHandler`), called in process by the front.
 *
 * Why not dynalite's server: the front owns the public port, so every request
 * crossed HTTP twice, the second time only to reach dynalite on 127.0.0.1 —
 * a JSON encoding, a socket round trip and a parse more per call, ≈ a tenth of
 * an integration test's CPU (docs/testing.md#suite-time). What dynalite's
 * handler does besides (CORS, health check, signature headers) has no caller here.
 * The modules are dynalite's internal files: the version is pinned in
 * package.json and test/integration/local-dynamodb.test.ts drives every path.
 */
import { createRequire } from "node:module";
import type { AttributeMap } from "./dynamodb-capacity.ts";
import {
  type CallDynalite,
  type JsonResponse,
  type ReadAndCheck,
  UNKNOWN_OPERATION,
} from "./dynamodb-dynalite.ts";

/** The operations dynalite implements (its `validOperations`). */
const OPERATIONS = [
  "BatchGetItem",
  "BatchWriteItem",
  "CreateTable",
  "DeleteItem",
  "DeleteTable",
  "DescribeTable",
  "DescribeTimeToLive",
  "GetItem",
  "ListTables",
  "PutItem",
  "Query",
  "Scan",
  "TagResource",
  "UntagResource",
  "ListTagsOfResource",
  "UpdateItem",
  "UpdateTable",
] as const;

/** An error dynalite throws or passes on purpose: an answer in DynamoDB's wire format. */
interface AnsweredError {
  readonly statusCode: number;
  readonly body: unknown;
}

type Callback = (error: unknown, result?: unknown) => void;
type Action = (store: unknown, data: unknown, callback: Callback) => void;
interface ActionValidation {
  readonly types: unknown;
  readonly custom?: unknown;
}
interface Validations {
  checkTypes(data: unknown, types: unknown): unknown;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: unknown): void;
}
interface Store {
  readonly lifecycleManager: { gracefulClose(callback: (error?: unknown) => void): void };
  getTable(name: string, callback: (error: unknown, table?: unknown) => void): void;
  getItemDb(name: string): {
    get(key: string, callback: (error: { name?: string } | null, item?: AttributeMap) => void): void;
  };
}
interface Db {
  create(options: Record<string, unknown>): Store;
  validateKey(key: unknown, table: unknown): unknown;
  createKey(key: unknown, table: unknown): string;
  checkConditional(data: unknown, item: AttributeMap | undefined): unknown;
}
interface KeyedRequest {
  readonly TableName: string;
  readonly Key: unknown;
}

export interface EngineOptions {
  /** Folder of the LevelDB store; absent keeps it in memory. */
  readonly path?: string;
  /** dynalite keeps new tables CREATING for this long (default 500 ms; 0 here). */
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

export interface DynaliteEngine {
  /** One DynamoDB JSON operation: the answer dynalite's server would send (status and body). */
  readonly call: CallDynalite;
  /** A transaction's check: the item as it is and whether a condition holds for it, writing nothing. */
  readonly readAndCheck: ReadAndCheck;
  /** Waits for pending store operations, then closes LevelDB (the folder can be reopened). */
  close(): Promise<void>;
}

const isAnswered = (error: unknown): error is AnsweredError =>
  typeof error === "object" && error !== null && "statusCode" in error && "body" in error;

const require = createRequire(import.meta.url);

/**
 * dynalite keeps an in-memory store in memory-level with its default store
 * encoding, bytes: every value is JSON, turned into a Buffer on each write and
 * back into a string on each read, and every key compared as bytes. Stored as
 * strings instead (memory-level's `storeEncoding: "utf8"`) the same items skip
 * both conversions, ≈ 3 % of an integration file's CPU. The order is the same:
 * dynalite's keys are ASCII (table and index prefixes, key values in hex), where
 * string and byte order agree. dynalite's `create` takes no store option, so
 * its MemoryLevel is swapped before dynalite/db reads it (it does so once, when
 * first loaded: nothing else here loads it).
 */
function storeStringsInMemory(): void {
  const memoryLevel = require("memory-level") as {
    MemoryLevel: new (options?: Record<string, unknown>) => object;
  };
  const Original = memoryLevel.MemoryLevel;
  if ((Original as { storesStrings?: boolean }).storesStrings) return;
  class StringMemoryLevel extends Original {
    static readonly storesStrings = true;
    constructor(options: Record<string, unknown> = {}) {
      super({ storeEncoding: "utf8", ...options });
    }
  }
  memoryLevel.MemoryLevel = StringMemoryLevel;
}

/** Opens dynalite's store and answers operations on it, in process. */
export function openDynaliteEngine(options: EngineOptions): DynaliteEngine {
  storeStringsInMemory();
  const db = require("dynalite/db") as Db;
  const validations = require("dynalite/validations") as Validations;
  const handlers = new Map<string, { action: Action; validation: ActionValidation }>(
    OPERATIONS.map((operation) => {
      const file = operation.charAt(0).toLowerCase() + operation.slice(1);
      return [
        operation,
        {
          action: require(`dynalite/actions/${file}`) as Action,
          validation: require(`dynalite/validations/${file}`) as ActionValidation,
        },
      ];
    }),
  );
  const store = db.create({ ...options });

  /**
   * Validates `payload` as `validation` says, then runs `act` on the result; resolves with what
   * `act` gives, or with the answer of an error dynalite raises or passes on purpose (a 4xx).
   */
  const validated = <T>(
    validation: ActionValidation,
    payload: unknown,
    act: (data: unknown, settle: (error: unknown, value?: T) => void) => void,
  ): Promise<T | JsonResponse> =>
    new Promise((resolve, reject) => {
      const settle = (error: unknown, value?: T) => {
        if (isAnswered(error)) resolve({ status: error.statusCode, body: error.body });
        else if (error) reject(error);
        else resolve(value as T);
      };
      try {
        // checkTypes returns the request it checked and deletes, in what it is given, the members
        // it does not know or that are null, at every level. No deep copy here (a clone per call
        // cost ≈ 1 % of an integration file's CPU): every caller hands over a top level built for
        // this call (the front a copy of its parse, a transaction a request it spreads), and below
        // it a valid request has nothing to delete (an invalid one is refused before any write).
        const data = validations.checkTypes(payload, validation.types);
        validations.checkValidations(data, validation.types, validation.custom, store);
        act(data, settle);
      } catch (error) {
        settle(error);
      }
    });

  const call: CallDynalite = (operation, payload) => {
    const handler = handlers.get(operation);
    if (!handler) return Promise.resolve(UNKNOWN_OPERATION);
    return validated<JsonResponse>(handler.validation, payload, (data, settle) =>
      handler.action(store, data, (error, result) => settle(error, { status: 200, body: result ?? {} })),
    );
  };

  // A DeleteItem's validation (key, condition, names, values) and its action up to the condition,
  // without the delete: what dynalite's deleteItem.js does before it writes.
  const keyed = handlers.get("DeleteItem");
  if (!keyed) throw new Error("dynalite has no DeleteItem");
  const readAndCheck: ReadAndCheck = (request) =>
    validated(keyed.validation, request, (validData, settle) => {
      const data = validData as KeyedRequest;
      store.getTable(data.TableName, (error, table) => {
        if (error) return settle(error);
        const invalid = db.validateKey(data.Key, table);
        if (invalid) return settle(invalid);
        store.getItemDb(data.TableName).get(db.createKey(data.Key, table), (readError, item) => {
          if (readError && readError.name !== "NotFoundError") return settle(readError);
          settle(null, {
            item: readError ? undefined : item,
            passed: db.checkConditional(data, item) == null,
          });
        });
      });
    });

  let closing: Promise<void> | undefined;
  return {
    call,
    readAndCheck,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) =>
        store.lifecycleManager.gracefulClose((error) => (error ? reject(error) : resolve())),
      );
      return closing;
    },
  };
}
