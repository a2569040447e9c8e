// SubscribeToShard from the AWS SDK for JavaScript v3, default (HTTP/2) configuration:
// node js_subscribe.cjs URL. Records put while the subscription is open travel on the
// same HTTP/2 connection as the subscription's event stream.
"use strict";
const {
  KinesisClient, CreateStreamCommand, PutRecordCommand, RegisterStreamConsumerCommand,
  DescribeStreamSummaryCommand, SubscribeToShardCommand, DescribeStreamConsumerCommand,
} = require("@aws-sdk/client-kinesis");

async function main(endpoint) {
  const client = new KinesisClient({
    endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const StreamName = "js-efo";
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  const { StreamDescriptionSummary } = await client.send(
    new DescribeStreamSummaryCommand({ StreamName }),
  );
  const { Consumer } = await client.send(new RegisterStreamConsumerCommand({
    StreamARN: StreamDescriptionSummary.StreamARN, ConsumerName: "js-consumer",
  }));
  for (let status = Consumer.ConsumerStatus; status !== "ACTIVE";) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const described = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }));
    status = described.ConsumerDescription.ConsumerStatus;
  }
  await client.send(new PutRecordCommand({ StreamName, PartitionKey: "k", Data: Buffer.from("before") }));
  const cancel = new AbortController();
  const subscription = await client.send(new SubscribeToShardCommand({
    ConsumerARN: Consumer.ConsumerARN, ShardId: "shardId-000000000000",
    StartingPosition: { Type: "TRIM_HORIZON" },
  }), { abortSignal: cancel.signal });
  const data = [];
  let events = 0;
  let putWhileOpen = null;
  for await (const event of subscription.EventStream) {
    if (!event.SubscribeToShardEvent) {
      throw new Error(`unexpected event ${JSON.stringify(event)}`);
    }
    events += 1;
    data.push(...event.SubscribeToShardEvent.Records.map((r) => Buffer.from(r.Data).toString()));
    if (putWhileOpen === null) {
      // Another request on the connection while the event stream stays open.
      putWhileOpen = client.send(new PutRecordCommand({ StreamName, PartitionKey: "k", Data: Buffer.from("during") }));
      await putWhileOpen;
    }
    if (data.length >= 2) {
      cancel.abort(); // resets the HTTP/2 stream (RST_STREAM, CANCEL)
      break;
    }
  }
  const after = await client.send(new DescribeStreamSummaryCommand({ StreamName }));
  const handler = client.config.requestHandler.constructor.name;
  client.destroy();
  console.log(JSON.stringify({
    handler, data, consumerArn: Consumer.ConsumerARN, events: events > 0,
    streamStatus: after.StreamDescriptionSummary.StreamStatus,
  }));
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
