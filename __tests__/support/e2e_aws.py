"""AWS calls the end-to-end suite makes beside Terraform, through boto3 (moto's own dependency).

Usage: python3 e2e_aws.py ENDPOINT REGION CALL JSON-ARGS; prints one JSON object with what the emulator answered.
"""
import json
import sys
import time

import boto3

ENDPOINT, REGION, CALL, ARGS = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])


def client(service, region=REGION):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def receive(sqs, queue, count):
    """Up to `count` SNS envelopes from the queue, within a few seconds."""
    got, deadline = [], time.time() + 10
    while len(got) < count and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            got.append(json.loads(m["Body"]))
    return got


def alarm_reaches_topic():
    """Subscribe a queue to the topic, publish to it, set the alarm to ALARM: what arrives."""
    topic, alarm = ARGS["topicArn"], ARGS["alarmName"]
    region = topic.split(":")[3]
    sqs = client("sqs", region)
    queue = sqs.create_queue(QueueName=f"e2e-{alarm}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = client("sns", region)
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Subject="e2e", Message="a test notification")
    published = [e["Message"] for e in receive(sqs, queue, 1)]
    cw = client("cloudwatch", region)
    described = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
    cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="e2e: forced")
    alarmed = [json.loads(e["Message"]) for e in receive(sqs, queue, 1)]
    cw.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="e2e: recovered")
    recovered = [json.loads(e["Message"]) for e in receive(sqs, queue, 1)]
    # Leave the topic as Terraform made it.
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=queue)
    return {
        "published": published,
        "alarmActions": described["AlarmActions"],
        "alarm": [[m["AlarmName"], m["NewStateValue"], m["AlarmDescription"]] for m in alarmed],
        "recovered": [m["NewStateValue"] for m in recovered],
        "kmsMasterKeyId": sns.get_topic_attributes(TopicArn=topic)["Attributes"].get("KmsMasterKeyId"),
    }


def tag_security_group():
    """Change a resource out of band, as a person in the console would."""
    client("ec2").create_tags(Resources=[ARGS["groupId"]], Tags=[{"Key": ARGS["key"], "Value": ARGS["value"]}])
    return {"tagged": ARGS["groupId"]}


def run_migration():
    """deploy.yml's migration step: run the migration task with the service's network, wait until it stops."""
    from botocore.config import Config
    from botocore.exceptions import ClientError

    ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id="test",
                       aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    network = {"awsvpcConfiguration": {"subnets": ARGS["subnets"], "securityGroups": ARGS["securityGroups"],
                                       "assignPublicIp": "DISABLED"}}
    try:
        task = ecs.run_task(cluster=ARGS["cluster"], taskDefinition=ARGS["taskDefinition"], launchType="FARGATE",
                            networkConfiguration=network, startedBy="migrate-e2e")["tasks"][0]["taskArn"]
    except ClientError as error:
        # moto 5.2.1 cannot run an awsvpc task sized at task level (it sums container memory and reads an
        # ENI attribute it lacks): the request is made and recorded, which is what the IAM proof needs.
        return {"taskDefinition": ARGS["taskDefinition"], "outcome": f"emulator error {error.response['Error']['Code']}"}
    ecs.describe_tasks(cluster=ARGS["cluster"], tasks=[task])
    ecs.stop_task(cluster=ARGS["cluster"], task=task, reason="e2e: the emulator runs no containers")
    return {"taskDefinition": ARGS["taskDefinition"], "outcome": "started"}


def request_certificate():
    """A certificate for the load balancer's HTTPS listener (the emulator issues it at once)."""
    arn = client("acm").request_certificate(DomainName=ARGS["domainName"], ValidationMethod="DNS")["CertificateArn"]
    return {"certificateArn": arn}


print(json.dumps(globals()[CALL]()))
