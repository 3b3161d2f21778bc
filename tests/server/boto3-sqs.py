"""boto3 (the AWS SDK for Python) against a Switchyard server: python3 boto3-sqs.py <endpoint>.

Run by boto3-sqs.test.ts. Every call goes through botocore's own serialisation, validation
and MD5 checks; each check is an assert, and the last line printed is `ok <checks>`.
"""
import hashlib
import json
import sys
import time
import uuid

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
sqs = boto3.client(
    "sqs",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
checks = 0


def check(condition, what):
    global checks
    assert condition, what
    checks += 1


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("the call did not fail")


stem = "py-" + uuid.uuid4().hex[:8]

# Queues: create with a dead-letter queue, find, list.
dlq = sqs.create_queue(QueueName=stem + "-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
url = sqs.create_queue(QueueName=stem, Attributes={"VisibilityTimeout": "30", "RedrivePolicy": policy}, tags={"team": "a"})["QueueUrl"]
check(url.startswith(endpoint) and url.endswith("/" + stem), "the queue URL points at the server: " + url)
check(sqs.get_queue_url(QueueName=stem)["QueueUrl"] == url, "GetQueueUrl finds it")
check(set(sqs.list_queues(QueueNamePrefix=stem)["QueueUrls"]) == {url, dlq}, "ListQueues lists both")

# A message with every attribute type; boto3 checks MD5OfMessageBody and MD5OfMessageAttributes.
attributes = {
    "text": {"DataType": "String", "StringValue": "caf\u00e9"},
    "n": {"DataType": "Number", "StringValue": "12.5"},
    "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
}
sent = sqs.send_message(QueueUrl=url, MessageBody="hello \u2603", MessageAttributes=attributes)
check(sent["MD5OfMessageBody"] == hashlib.md5("hello \u2603".encode()).hexdigest(), "MD5 of the body")
got = sqs.receive_message(
    QueueUrl=url,
    MaxNumberOfMessages=10,
    WaitTimeSeconds=5,
    MessageAttributeNames=["All"],
    MessageSystemAttributeNames=["All"],
)["Messages"]
check(len(got) == 1, "one message received")
m = got[0]
check(m["MessageId"] == sent["MessageId"] and m["Body"] == "hello \u2603", "the message comes back whole")
check(m["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\x01\xff", "binary attribute round-trips")
check(m["MessageAttributes"]["text"]["StringValue"] == "caf\u00e9", "string attribute round-trips")
check(m["Attributes"]["ApproximateReceiveCount"] == "1", "receive count")
hidden = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
check(hidden["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1", "the leased message is not visible")
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=60)
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
check(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == [], "a deleted message is gone")

# Batches report each entry.
batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "m%d" % i, "MessageBody": "body %d" % i} for i in range(10)])
check(len(batch["Successful"]) == 10 and not batch.get("Failed"), "SendMessageBatch: ten sent")
received = []
while len(received) < 10:
    r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    check(len(r) > 0, "the batch is received")
    received += r
check(sorted(x["Body"] for x in received) == sorted("body %d" % i for i in range(10)), "every body once")
entries = [{"Id": "d%d" % i, "ReceiptHandle": x["ReceiptHandle"]} for i, x in enumerate(received[:9])]
entries.append({"Id": "bad", "ReceiptHandle": "not-a-receipt"})
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
check(len(deleted["Successful"]) == 9, "DeleteMessageBatch: nine deleted")
check([f["Id"] for f in deleted["Failed"]] == ["bad"], "the bad receipt fails alone")
sqs.delete_message(QueueUrl=url, ReceiptHandle=received[9]["ReceiptHandle"])

# Long poll: a receive waiting 10 s returns as soon as a message arrives.
sqs.send_message(QueueUrl=url, MessageBody="late", DelaySeconds=1)
started = time.monotonic()
late = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
check([x["Body"] for x in late] == ["late"], "the long poll got the delayed message")
check(time.monotonic() - started < 8, "the long poll returned when the message became visible")

# Dead-lettering: two receives without a delete, then the message is in the DLQ.
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=late[0]["ReceiptHandle"], VisibilityTimeout=0)
second = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, VisibilityTimeout=0)["Messages"]
check(second[0]["Body"] == "late", "received a second time")
check(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == [], "past maxReceiveCount it leaves the queue")
dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5)["Messages"]
check([x["Body"] for x in dead] == ["late"], "and lands in the dead-letter queue")
check(sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url], "ListDeadLetterSourceQueues")

# FIFO: order within a group, content-based deduplication.
fifo = sqs.create_queue(QueueName=stem + ".fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
first = sqs.send_message(QueueUrl=fifo, MessageBody="a", MessageGroupId="g")
again = sqs.send_message(QueueUrl=fifo, MessageBody="a", MessageGroupId="g")
check(first["MessageId"] == again["MessageId"], "a duplicate answers with the first message's id")
sqs.send_message(QueueUrl=fifo, MessageBody="b", MessageGroupId="g")
# One leased message per group at a time (DESIGN.md): "b" waits until "a" is deleted.
head = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
check([x["Body"] for x in head] == ["a"], "FIFO: the group's head alone")
sqs.delete_message(QueueUrl=fifo, ReceiptHandle=head[0]["ReceiptHandle"])
after = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
check([x["Body"] for x in after] == ["b"], "then the next, the duplicate stored once")

# Attributes, tags, purge, errors, delete.
sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
check(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]["DelaySeconds"] == "2", "SetQueueAttributes")
sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
check(sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}, "tags")
sqs.purge_queue(QueueUrl=fifo)
try:
    sqs.get_queue_url(QueueName=stem + "-missing")
    raise AssertionError("a missing queue was found")
except sqs.exceptions.QueueDoesNotExist:
    check(True, "a missing queue is QueueDoesNotExist")
check(error_code(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")) == "ReceiptHandleIsInvalid", "a bad receipt")
check(error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * (256 * 1024 + 1))) == "InvalidParameterValue", "an oversize body")
for q in (fifo, url, dlq):
    sqs.delete_queue(QueueUrl=q)
check(sqs.list_queues(QueueNamePrefix=stem).get("QueueUrls", []) == [], "the queues are deleted")

print("ok", checks)
