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
    # A preview's database setup task runs with its create or drop command (the workflow's override).
    # The container is the definition's first, as preview.yml finds it.
    container = lambda: ecs.describe_task_definition(taskDefinition=ARGS["taskDefinition"])[  # noqa: E731
        "taskDefinition"]["containerDefinitions"][0]["name"]
    overrides = {"overrides": {"containerOverrides": [{"name": container(), "command": ARGS["command"]}]}} \
        if ARGS.get("command") else {}
    try:
        task = ecs.run_task(cluster=ARGS["cluster"], taskDefinition=ARGS["taskDefinition"], launchType="FARGATE",
                            networkConfiguration=network, startedBy="migrate-e2e", **overrides)["tasks"][0]["taskArn"]
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


def put_secret_if_empty():
    """As deploy.yml and preview.yml do before a database task: a generated password, only where the secret has none."""
    import secrets
    sm = client("secretsmanager")
    # As the workflows check: a current version (describe-secret's VersionIdsToStages), never the value.
    stages = sm.describe_secret(SecretId=ARGS["secretArn"]).get("VersionIdsToStages", {})
    if any("AWSCURRENT" in s for s in stages.values()):
        return {"put": False}
    value = json.dumps({"username": ARGS["username"], "password": secrets.token_urlsafe(24)})
    sm.put_secret_value(SecretId=ARGS["secretArn"], SecretString=value)
    return {"put": True}


def site_upload():
    """preview.yml's site step: the preview's files under its prefix of the host's site bucket."""
    client("s3").put_object(Bucket=ARGS["bucket"], Key=f"{ARGS['prefix']}index.html", Body=b"<h1>preview</h1>",
                            ContentType="text/html", CacheControl="no-cache")
    return {"uploaded": 1}


def site_remove():
    """The destroy's site step: every version and delete marker under the prefix; what is left after."""
    s3 = client("s3")
    listed = s3.list_object_versions(Bucket=ARGS["bucket"], Prefix=ARGS["prefix"])
    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]
    if objects:
        s3.delete_objects(Bucket=ARGS["bucket"], Delete={"Objects": objects})
    after = s3.list_object_versions(Bucket=ARGS["bucket"], Prefix=ARGS["prefix"])
    return {"removed": len(objects), "left": len(after.get("Versions", [])) + len(after.get("DeleteMarkers", []))}


def listener_rules():
    """Every rule of the load balancer's listeners: its conditions and the target groups it forwards to."""
    elb = client("elbv2")
    lb = elb.describe_load_balancers(Names=[ARGS["loadBalancer"]])["LoadBalancers"][0]["LoadBalancerArn"]
    rules = []
    for listener in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]:
        for rule in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
            if rule.get("IsDefault"):
                continue
            forwards = [a.get("TargetGroupArn") for a in rule["Actions"] if a["Type"] == "forward"]
            conditions = {c["Field"]: sorted(c.get("Values") or c.get("PathPatternConfig", {}).get("Values", [])
                                             or c.get("HostHeaderConfig", {}).get("Values", []))
                          for c in rule["Conditions"]}
            rules.append({"arn": rule["RuleArn"], "port": listener["Port"], "priority": rule["Priority"],
                          "conditions": conditions, "forwards": forwards})
    return {"rules": rules}


def _gone(kind, look):
    """Whether the object is gone: its lookup raises a not-found error or finds nothing left to bill."""
    from botocore.exceptions import ClientError
    try:
        return look()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if "NotFound" in code or code in ("ResourceNotFoundException", "InvalidGroup.NotFound", "NoSuchEntity"):
            return True
        raise RuntimeError(f"{kind}: {code}") from error


#: How to tell each resource type a preview creates is gone, by its state's attributes. A type without an
#: entry fails the check: a preview that starts creating a new type must say how its absence is seen.
LOOKUPS = {
    "aws_ecs_service": lambda a: client("ecs").describe_services(cluster=a["cluster"], services=[a["name"]])["services"] == []
    or all(s["status"] == "INACTIVE" for s in client("ecs").describe_services(cluster=a["cluster"], services=[a["name"]])["services"]),
    # A deregistered task definition stays listed as INACTIVE in AWS too (it bills nothing).
    "aws_ecs_task_definition": lambda a: client("ecs").describe_task_definition(taskDefinition=a["arn"])["taskDefinition"]["status"]
    == "INACTIVE",
    "aws_lb_target_group": lambda a: client("elbv2").describe_target_groups(TargetGroupArns=[a["arn"]])["TargetGroups"] == [],
    "aws_lb_listener_rule": lambda a: client("elbv2").describe_rules(RuleArns=[a["arn"]])["Rules"] == [],
    "aws_security_group": lambda a: client("ec2").describe_security_groups(GroupIds=[a["id"]])["SecurityGroups"] == [],
    "aws_vpc_security_group_ingress_rule": lambda a: client("ec2").describe_security_group_rules(
        SecurityGroupRuleIds=[a["security_group_rule_id"]])["SecurityGroupRules"] == [],
    "aws_vpc_security_group_egress_rule": lambda a: client("ec2").describe_security_group_rules(
        SecurityGroupRuleIds=[a["security_group_rule_id"]])["SecurityGroupRules"] == [],
    "aws_cloudwatch_log_group": lambda a: [g for g in client("logs").describe_log_groups(logGroupNamePrefix=a["name"])["logGroups"]
                                           if g["logGroupName"] == a["name"]] == [],
    "aws_secretsmanager_secret": lambda a: "DeletedDate" in client("secretsmanager").describe_secret(SecretId=a["arn"]),
    "aws_secretsmanager_secret_version": lambda a: "DeletedDate" in client("secretsmanager").describe_secret(SecretId=a["secret_id"]),
    "aws_route53_record": lambda a: [r for r in client("route53").list_resource_record_sets(HostedZoneId=a["zone_id"])[
        "ResourceRecordSets"] if r["Name"].rstrip(".") == a["fqdn"].rstrip(".")] == [],
}


def leftovers():
    """Of the resources a destroyed stack's state held (type and attributes), those still found, or of an unknown type."""
    left = []
    for resource in ARGS["resources"]:
        look = LOOKUPS.get(resource["type"])
        if look is None:
            left.append({"type": resource["type"], "why": "no lookup for this type in e2e_aws.py LOOKUPS"})
        elif not _gone(resource["type"], lambda: look(resource["attributes"])):
            left.append({"type": resource["type"], "why": "still exists", "id": resource["attributes"].get("id")})
    return {"leftovers": left}


print(json.dumps(globals()[CALL]()))
