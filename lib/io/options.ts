/** Options every I/O entry point takes (the engine passes the Context's). */
export interface IoOptions {
  s3?: {
    /** S3-compatible endpoint URL (default: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS). */
    endpoint?: string;
    /** Path-style addressing (`http://host/bucket/key`), needed by most S3-compatible stores. */
    forcePathStyle?: boolean;
    /** Default: `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`. */
    region?: string;
    /** Send unsigned requests (public buckets). */
    anonymous?: boolean;
    /** Default: the SDK's chain (environment, shared config files, instance roles ...). */
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** Google Cloud Storage (`gs://`), over the JSON API. */
  gcs?: {
    /** An OAuth2 access token sent as `Authorization: Bearer` (wins over `anonymous`). */
    token?: string;
    /** An origin (`http://127.0.0.1:9023`) replacing `https://storage.googleapis.com` (emulators, proxies). */
    endpoint?: string;
    /** Send no credentials (public buckets, emulators). */
    anonymous?: boolean;
  };
  /** HDFS (`hdfs://`, `webhdfs://`, `swebhdfs://`), spoken through WebHDFS. */
  hdfs?: {
    /** The NameNode's HTTP port that `hdfs://namenode/path` uses (default 9870); `webhdfs://host:port` names its own. */
    httpPort?: number;
    /** `user.name` of every request (default: `HADOOP_USER_NAME`, else the OS user). */
    user?: string;
  };
  /** Stall timeout for http(s), S3, GCS and HDFS reads: no byte for this long is an IOError (default 30 000 ms). */
  httpTimeoutMs?: number;
  /** Split size for uncompressed splittable files (default: an HDFS file's block size, else 32 MiB). */
  blockSize?: number;
  /**
   * Extra attempts for transient I/O failures (5xx answers, dropped or
   * stalled connections), of every request: a read's task is run again, a
   * listing's or a file's size request (planning) is sent again; default 2.
   */
  ioRetries?: number;
  /** Pause before each new attempt, in milliseconds (default 0). */
  retryWaitMs?: number;
}

export const DEFAULT_BLOCK_SIZE = 32 * 1024 * 1024;
export const DEFAULT_IO_RETRIES = 2;
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
