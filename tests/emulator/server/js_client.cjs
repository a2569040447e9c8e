// Drives the emulator with the AWS SDK for JavaScript v3: node js_client.cjs URL
// The client keeps its default configuration: HTTP/2 (NodeHttp2Handler) for every call.
"use strict";
const {
  KinesisClient, CreateStreamCommand, PutRecordCommand, PutRecordsCommand, ListShardsCommand,
  GetShardIteratorCommand, GetRecordsCommand, AddTagsToStreamCommand, ListTagsForStreamCommand,
  DescribeStreamSummaryCommand,
} = require("@aws-sdk/client-kinesis");

async function main(endpoint) {
  const client = new KinesisClient({
    endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const StreamName = "js";
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
  await client.send(new AddTagsToStreamCommand({ StreamName, Tags: { sdk: "js" } }));
  const one = await client.send(new PutRecordCommand({
    StreamName, PartitionKey: "k", Data: Buffer.from("from-js"), ExplicitHashKey: "0",
  }));
  const many = await client.send(new PutRecordsCommand({
    StreamName,
    Records: [0, 1, 2].map((n) => ({ PartitionKey: `k${n}`, Data: Buffer.from(`batch-${n}`), ExplicitHashKey: "0" })),
  }));
  const shards = await client.send(new ListShardsCommand({ StreamName }));
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({
    StreamName, ShardId: one.ShardId, ShardIteratorType: "TRIM_HORIZON",
  }));
  const records = await client.send(new GetRecordsCommand({ ShardIterator }));
  const tags = await client.send(new ListTagsForStreamCommand({ StreamName }));
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName }));
  let missing = null;
  try {
    await client.send(new DescribeStreamSummaryCommand({ StreamName: "missing" }));
  } catch (error) {
    missing = error.name;
  }
  const handler = client.config.requestHandler.constructor.name;
  client.destroy();
  console.log(JSON.stringify({
    handler,
    shardId: one.ShardId,
    failed: many.FailedRecordCount,
    shards: shards.Shards.map((s) => s.ShardId),
    data: records.Records.map((r) => Buffer.from(r.Data).toString()),
    tags: tags.Tags.map((t) => `${t.Key}=${t.Value}`),
    openShards: summary.StreamDescriptionSummary.OpenShardCount,
    missing,
  }));
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
