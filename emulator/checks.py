"""Checks of the emulator's patches (moto_patches/), run against a running emulator.

Usage: python3 emulator/checks.py ENDPOINT CHECK; prints one JSON object with what the emulator answered.
Each check makes the AWS calls Terraform makes for one patched behaviour, through boto3 (which moto
depends on, so it is wherever the emulator is). __tests__/moto-launcher.test.ts runs every check and
states what AWS answers.
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT, CHECK = sys.argv[1], sys.argv[2]
REGION = "eu-west-1"


def client(service):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def network():
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in ((1, "a"), (2, "b"))]
    return ec2, vpc, subnets


def rds_instances():
    rds = client("rds")
    for name, pi in (("one", True), ("two", False)):
        rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t4g.micro", Engine="postgres",
                               MasterUsername="admin_user", ManageMasterUserPassword=True, AllocatedStorage=20,
                               EnablePerformanceInsights=pi, DeletionProtection=pi)
    instances = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    one_id = instances["one"]["DbiResourceId"]
    by_filter = rds.describe_db_instances(Filters=[{"Name": "dbi-resource-id", "Values": [one_id]}])["DBInstances"]
    return {
        "distinctResourceIds": instances["one"]["DbiResourceId"] != instances["two"]["DbiResourceId"],
        "filterFinds": [d["DBInstanceIdentifier"] for d in by_filter],
        "performanceInsights": [instances["one"].get("PerformanceInsightsEnabled"), instances["two"].get("PerformanceInsightsEnabled")],
        "retention": instances["one"].get("PerformanceInsightsRetentionPeriod"),
        "deleteProtected": error_code(lambda: rds.delete_db_instance(DBInstanceIdentifier="one", SkipFinalSnapshot=True)),
    }


def alb_deletion_protection():
    _, _, subnets = network()
    elb = client("elbv2")
    arn = elb.create_load_balancer(Name="protected", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}])
    refused = error_code(lambda: elb.delete_load_balancer(LoadBalancerArn=arn))
    elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
    return {"refused": refused, "deletedWhenOff": error_code(lambda: elb.delete_load_balancer(LoadBalancerArn=arn)) is None}


def bucket_policy():
    s3 = client("s3")
    results = {}
    for name, statement in (
        ("conditioned", {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "arn:aws:s3:::conditioned/*",
                         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        ("unconditioned", {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::unconditioned/*"}),
    ):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        results[name] = error_code(lambda: s3.put_object(Bucket=name, Key="k", Body=b"x"))
    return results


def security_group_rule_description():
    ec2, vpc, _ = network()
    a = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
    b = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=a, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
        "UserIdGroupPairs": [{"GroupId": b, "Description": "PostgreSQL from the service"}]}])
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [a]}])["SecurityGroupRules"]
    return {"descriptions": [r.get("Description") for r in rules if not r["IsEgress"]]}


def response_headers_policy():
    cf = client("cloudfront")
    config = {"Name": "security-headers", "SecurityHeadersConfig": {
        "FrameOptions": {"FrameOption": "DENY", "Override": True},
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Preload": True, "Override": True}}}
    created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=config)["ResponseHeadersPolicy"]
    fetched = cf.get_response_headers_policy(Id=created["Id"])["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    return {"frame": fetched["SecurityHeadersConfig"]["FrameOptions"]["FrameOption"],
            "hstsMaxAge": fetched["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"]}


def appautoscaling_tags():
    client("dynamodb").create_table(TableName="scaled", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                                    ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    aas = client("application-autoscaling")
    aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/scaled",
                                 ScalableDimension="dynamodb:table:ReadCapacityUnits", MinCapacity=1, MaxCapacity=2)
    arn = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"][0]["ScalableTargetARN"]
    aas.tag_resource(ResourceARN=arn, Tags={"Environment": "stage"})
    return {"tags": aas.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def db_parameter_source():
    rds = client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="pg", DBParameterGroupFamily="postgres16", Description="d")
    rds.modify_db_parameter_group(DBParameterGroupName="pg", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}])
    user = rds.describe_db_parameters(DBParameterGroupName="pg", Source="user")["Parameters"]
    system = rds.describe_db_parameters(DBParameterGroupName="pg", Source="system")["Parameters"]
    return {"user": [[p["ParameterName"], p.get("Source")] for p in user], "system": [p["ParameterName"] for p in system]}


def ecs_service_fields():
    ecs = client("ecs")
    ecs.create_cluster(clusterName="c")
    ecs.register_task_definition(family="t", containerDefinitions=[{"name": "api", "image": "x", "memory": 512}])
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="t", desiredCount=1, healthCheckGracePeriodSeconds=60)
    service = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    return {"rebalancing": service.get("availabilityZoneRebalancing"), "grace": service.get("healthCheckGracePeriodSeconds")}


def cloudfront_distribution():
    cf = client("cloudfront")
    config = {
        "CallerReference": "ref", "Comment": "site", "Enabled": True, "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": "site.s3.eu-west-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": "E2OAC0EXAMPLE"}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
    }
    created = cf.create_distribution(DistributionConfig=config)["Distribution"]
    fetched = cf.get_distribution_config(Id=created["Id"])["DistributionConfig"]
    return {
        "originAccessControlId": fetched["Origins"]["Items"][0].get("OriginAccessControlId"),
        "forwardedValues": "ForwardedValues" in fetched["DefaultCacheBehavior"],
        "sslSupportMethod": fetched["ViewerCertificate"].get("SSLSupportMethod"),
        "arn": created["ARN"].replace(created["Id"], "ID"),
    }


def ecr_image_digest():
    import hashlib
    ecr = client("ecr")
    ecr.create_repository(repositoryName="digests", imageTagMutability="IMMUTABLE")
    # Indented as a build tool may write it: the digest is of these bytes, not of a re-serialisation.
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + "c" * 64, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + "d" * 64, "size": 3}],
    }, indent=3)
    expected = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    pushed = ecr.put_image(repositoryName="digests", imageManifest=manifest, imageTag="v1")["image"]["imageId"]["imageDigest"]
    listed = [i["imageDigest"] for i in ecr.list_images(repositoryName="digests")["imageIds"]]
    other = manifest.replace('"size": 3', '"size": 4')
    mismatch = error_code(lambda: ecr.put_image(repositoryName="digests", imageManifest=other, imageTag="v2", imageDigest=expected))
    return {"pushedIsManifestSha256": pushed == expected, "listed": listed == [expected], "mismatch": mismatch}


def managed_policies():
    policy = client("iam").get_policy(PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")["Policy"]
    return {"name": policy["PolicyName"]}


def alarm_actions():
    """An alarm's state change publishes to its SNS actions (ALARM to alarm_actions, OK to ok_actions), in the topic's region."""
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="alarms")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    results = {}
    for region in (REGION, "us-east-1"):
        sns = boto3.client("sns", endpoint_url=ENDPOINT, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
        cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")
        cw.put_metric_alarm(AlarmName="errors", AlarmDescription="what broke; look here", Namespace="AWS/ApplicationELB",
                            MetricName="HTTPCode_Target_5XX_Count", Statistic="Sum", Period=60, EvaluationPeriods=1,
                            Threshold=1, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic], OKActions=[topic])
        cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="test")
        cw.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="unchanged: no second message")
        cw.set_alarm_state(AlarmName="errors", StateValue="OK", StateReason="recovered")
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        for m in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        bodies = [json.loads(m["Body"]) for m in messages]
        results[region] = [[b["NewStateValue"], b["AlarmDescription"], b["Region"]] for b in bodies]
    return results


def sqs_redrive_policy():
    """A queue's RedrivePolicy comes back as the compact JSON SQS returns, which the provider compares as text."""
    sqs = client("sqs")
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}, separators=(",", ":"))
    queue = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    answered = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    return {"redrivePolicy": answered.replace(dlq_arn, "DLQ")}


def call_log_requests():
    """Requests whose IAM authorizations the call log must let the Node side derive (EMULATOR_CALL_LOG)."""
    logs = client("logs")
    logs.create_log_group(logGroupName="/ecs/acme-stage/api", tags={"Environment": "stage"})
    logs.put_retention_policy(logGroupName="/ecs/acme-stage/api", retentionInDays=60)
    ecs = client("ecs")
    ecs.create_cluster(clusterName="acme-stage", tags=[{"key": "Environment", "value": "stage"}])
    ecs.register_task_definition(
        family="acme-stage-api", executionRoleArn="arn:aws:iam::123456789012:role/acme/stage/acme-stage-execution",
        containerDefinitions=[{"name": "api", "image": "nginx", "memory": 512}])
    s3 = client("s3")
    s3.create_bucket(Bucket="acme-state", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.list_objects_v2(Bucket="acme-state", Prefix="stage/")
    error_code(lambda: s3.get_bucket_encryption(Bucket="acme-state"))
    ddb = client("dynamodb")
    ddb.create_table(TableName="acme-locks", KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="acme-locks", Item={"LockID": {"S": "acme-state/stage/terraform.tfstate"}})
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(
        GroupName="api", Description="api", VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Environment", "Value": "stage"}]}])["GroupId"]
    ec2.delete_security_group(GroupId=group)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ecs.run_task(cluster="acme-stage", taskDefinition="acme-stage-api", launchType="FARGATE",
                 networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})
    kms = boto3.client("kms", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    kms.list_aliases()
    # Names only inside a URL: the queue in QueueUrl, the schedule in the path (its group omitted: default).
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="acme-stage-worker")["QueueUrl"]
    sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
    sqs.delete_queue(QueueUrl=queue)
    scheduler = client("scheduler")
    target = {"Arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/acme-stage", "RoleArn": "arn:aws:iam::123456789012:role/acme-stage-scheduler"}
    scheduler.create_schedule(Name="acme-stage-nightly", ScheduleExpression="cron(0 3 * * ? *)", Target=target,
                              FlexibleTimeWindow={"Mode": "OFF"})
    scheduler.get_schedule(Name="acme-stage-nightly")
    scheduler.delete_schedule(Name="acme-stage-nightly")
    # Tags kept by a backend's tagging service (ELBv2's tagging_service); the ECS cluster and task definition
    # a request names (ecs:cluster, ecs:task-definition); an S3 listing's prefix; DeleteObjects' objects.
    elb = client("elbv2")
    target_group = elb.create_target_group(Name="acme-pr-7", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip",
                                           Tags=[{"Key": "Environment", "Value": "preview"}])["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=target_group,
                                       Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    ecs.create_service(cluster="acme-stage", serviceName="acme-stage-api", taskDefinition="acme-stage-api", desiredCount=0)
    s3.put_bucket_versioning(Bucket="acme-state", VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket="acme-state", Key="previews/pr-7/index.html", Body=b"x")["VersionId"]
    s3.put_object(Bucket="acme-state", Key="previews/pr-7/app.js", Body=b"x")
    s3.list_object_versions(Bucket="acme-state", Prefix="previews/pr-7/")
    s3.delete_objects(Bucket="acme-state", Delete={"Objects": [
        {"Key": "previews/pr-7/index.html", "VersionId": version}, {"Key": "previews/pr-7/app.js"}]})
    # An ingress rule admitting another group changes its own group only; a listener rule's tags (kept by
    # the tagging service, the rule inside its listener) reach its delete.
    tagged = lambda environment: [{"ResourceType": "security-group", "Tags": [{"Key": "Environment", "Value": environment}]}]  # noqa: E731
    balancer_group = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc, TagSpecifications=tagged("stage"))["GroupId"]
    preview_group = ec2.create_security_group(GroupName="pr", Description="pr", VpcId=vpc, TagSpecifications=tagged("preview"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=preview_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": balancer_group}]}])
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=f"{REGION}b")["Subnet"]["SubnetId"]
    balancer = elb.create_load_balancer(Name="acme-stage-api", Subnets=[subnet, subnet_b])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elb.create_listener(LoadBalancerArn=balancer, Protocol="HTTP", Port=80,
                                   DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}])["Listeners"][0]["ListenerArn"]
    rule = elb.create_rule(ListenerArn=listener, Priority=7, Conditions=[{"Field": "path-pattern", "Values": ["/pr-7"]}],
                           Actions=[{"Type": "forward", "TargetGroupArn": target_group}],
                           Tags=[{"Key": "Environment", "Value": "preview"}])["Rules"][0]["RuleArn"]
    elb.delete_rule(RuleArn=rule)
    return {"group": group, "previewGroup": preview_group}


print(json.dumps(globals()[CHECK]()))
