import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { subscriberConstructIds } from "../config/construct-ids";
import { policyJson } from "../lib/policy";

export interface NotificationProps {
  /** Prefix of the names, e.g. `acme-prod`: the topic is `<namePrefix>-alarms`, the key alias `alias/<namePrefix>-alarms`. */
  readonly namePrefix: string;
  /**
   * Email addresses and `https://` endpoints the topic delivers to. Emails stay pending until the
   * recipient follows the link in AWS's confirmation email.
   * @default - no subscriber (the topic is still created; alarms notify nobody)
   */
  readonly subscribers?: readonly string[];
  /**
   * Provider of the topic's region (CloudWatch alarms notify a topic of their own region only).
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * Where an environment's alarms go: an SNS topic encrypted with a customer-managed KMS key (rotated
 * yearly) that CloudWatch may use, because AWS's own `alias/aws/sns` key refuses CloudWatch; only
 * CloudWatch alarms of this account may publish; email and HTTPS subscribers from the config.
 */
export class Notification extends Construct {
  readonly topicArn: string;
  readonly topicName: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: NotificationProps) {
    super(scope, id);
    const provider = props.provider;
    const name = `${props.namePrefix}-alarms`;
    const account = new DataAwsCallerIdentity(this, "account", { provider });
    const root = `arn:aws:iam::${account.accountId}:root`;

    const key = new KmsKey(this, "key", {
      provider,
      description: `Encrypts the alarm notifications of ${props.namePrefix}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy(root),
    });
    new KmsAlias(this, "key-alias", { provider, name: `alias/${name}`, targetKeyId: key.keyId });

    const topic = new SnsTopic(this, "topic", {
      provider,
      name,
      displayName: `${props.namePrefix} alarms`,
      kmsMasterKeyId: key.arn,
    });
    new SnsTopicPolicy(this, "topic-policy", {
      provider,
      arn: topic.arn,
      policy: topicPolicy(root, topic.arn, account.accountId),
    });

    const subscribers = props.subscribers ?? [];
    const ids = subscriberConstructIds(subscribers);
    for (const [i, endpoint] of subscribers.entries()) {
      // Keyed by the address, not its position: removing one subscriber leaves the others alone.
      new SnsTopicSubscription(this, ids[i], {
        provider,
        topicArn: topic.arn,
        protocol: endpoint.startsWith("https://") ? "https" : "email",
        endpoint,
      });
    }

    this.topicArn = topic.arn;
    this.topicName = topic.name;
    this.keyArn = key.arn;
  }
}

/** The key's policy: the account manages it through IAM, and CloudWatch may encrypt alarm messages with it. */
function keyPolicy(root: string): string {
  return policyJson(
    {
      // Without it nobody, not even the account, could manage the key: IAM policies decide who may.
      Sid: "AccountManagesKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: "kms:*",
      Resource: "*",
    },
    {
      // CloudWatch encrypts the alarm message for the topic with this key when it publishes.
      Sid: "CloudWatchAlarmsEncrypt",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
    },
  );
}

/** The topic's policy: the account manages the topic, and only this account's alarms may publish. */
function topicPolicy(root: string, topicArn: string, accountId: string): string {
  return policyJson(
    {
      Sid: "AccountManagesTopic",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: [
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:DeleteTopic",
        "sns:Subscribe",
        "sns:ListSubscriptionsByTopic",
        "sns:Publish",
      ],
      Resource: topicArn,
    },
    {
      // Only this account's alarms: another account's alarm cannot page this environment's on-call.
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  );
}
