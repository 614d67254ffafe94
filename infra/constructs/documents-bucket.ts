import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

export interface DocumentsBucketProps {
  /** Origins allowed to PUT uploads straight from the browser (presigned URLs). */
  readonly allowedOrigins: readonly string[];
}

/**
 * Villagers' photos and documents, and the certificates we render. Private,
 * encrypted, versioned (a confirmed document can never be silently replaced),
 * TLS only. Browsers upload with presigned PUT URLs, hence CORS.
 */
export class DocumentsBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  // The CORS rule keeps this array and renders it at synth, so origins known later can still join.
  private readonly allowedOrigins: string[];

  constructor(scope: Construct, id: string, props: DocumentsBucketProps) {
    super(scope, id);
    this.allowedOrigins = [...props.allowedOrigins];
    this.accessLogs = new Bucket(this, "AccessLogs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(400) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "documents/",
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: this.allowedOrigins,
          allowedHeaders: ["content-type", "content-length", "x-amz-*"],
          exposedHeaders: ["etag"],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Re-used upload URLs leave older versions behind; the confirmed version is the one we keep current.
        { noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets one more browser origin upload (e.g. the web distribution, which is
   * created after the functions that need this bucket).
   */
  allowOrigin(origin: string): void {
    if (!this.allowedOrigins.includes(origin)) this.allowedOrigins.push(origin);
  }
}
