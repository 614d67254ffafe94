/**
 * Where an interrupted import finds its place again: a file beside the data
 * for the CLI, an item in the case table for the admin route (a Lambda has no
 * disk that outlives it). Keyed by entity type and the file's content identity,
 * so a changed file never resumes from another file's checkpoint.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { importCheckpointKey } from "../../store/keys.ts";
import type { ReferenceType } from "../entities.ts";
import { type Checkpoint, type CheckpointStore, checkpointSchema } from "./importer.ts";

const digest = (identity: string) => createHash("sha256").update(identity).digest("hex").slice(0, 32);

export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly directory: string) {}

  private file(type: ReferenceType, identity: string) {
    return path.join(this.directory, `${type}-${digest(identity)}.json`);
  }

  async load(type: ReferenceType, identity: string): Promise<Checkpoint | undefined> {
    try {
      return checkpointSchema.parse(JSON.parse(await readFile(this.file(type, identity), "utf8")));
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const file = this.file(checkpoint.entityType as ReferenceType, checkpoint.identity);
    // Write then rename: a crash mid-write must not leave a torn checkpoint.
    await writeFile(`${file}.tmp`, JSON.stringify(checkpoint));
    await rename(`${file}.tmp`, file);
  }

  async clear(type: ReferenceType, identity: string): Promise<void> {
    await rm(this.file(type, identity), { force: true });
  }
}

export { importCheckpointKey } from "../../store/keys.ts";

export class TableCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(type: ReferenceType, identity: string): Promise<Checkpoint | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: importCheckpointKey(type, identity),
        ConsistentRead: true,
      }),
    );
    return Item ? checkpointSchema.parse(Item) : undefined;
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...importCheckpointKey(checkpoint.entityType, checkpoint.identity),
          type: "import_checkpoint",
          ...checkpoint,
        },
      }),
    );
  }

  async clear(type: ReferenceType, identity: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: importCheckpointKey(type, identity) }),
    );
  }
}
