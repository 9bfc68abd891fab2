/**
 * Actions no deploy role may take, on any resource: each acts on the whole account or region, or
 * decides who outside the environment may reach into it. An administrator sets these once.
 */

/**
 * CloudWatch Logs actions that act on the whole account or send logs out of it: account policies
 * (subscription filters and data protection for every log group), destinations and resource
 * policies (who else may write or receive logs), subscription filters and log deliveries (stream a
 * log group, or a VPC's flow logs to S3 or Firehose, anywhere). Denied to every deploy role.
 */
export const ACCOUNT_LEVEL_LOGS_ACTIONS = [
  "logs:PutAccountPolicy",
  "logs:DeleteAccountPolicy",
  "logs:PutDataProtectionPolicy",
  "logs:DeleteDataProtectionPolicy",
  "logs:PutDestination",
  "logs:PutDestinationPolicy",
  "logs:DeleteDestination",
  "logs:PutResourcePolicy",
  "logs:DeleteResourcePolicy",
  "logs:PutSubscriptionFilter",
  "logs:DeleteSubscriptionFilter",
  "logs:CreateLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:PutDeliveryDestination",
  "logs:PutDeliveryDestinationPolicy",
  "logs:PutDeliverySource",
  "logs:CreateDelivery",
  "logs:PutIndexPolicy",
  "logs:PutTransformer",
];

/**
 * Settings that hold for the whole account and region, not for one environment: ECS account
 * settings, EC2 defaults (EBS encryption and its key, serial console, public AMI and snapshot
 * sharing, instance metadata defaults, id formats). Denied to every deploy role: an administrator
 * sets them once. (ECR's registry-level settings are in ECR_DENIED_ACTIONS; flow logs to S3 or
 * Firehose need logs:CreateLogDelivery, denied with ACCOUNT_LEVEL_LOGS_ACTIONS.)
 */
export const ACCOUNT_LEVEL_SETTINGS_ACTIONS = [
  "ecs:PutAccountSetting",
  "ecs:PutAccountSettingDefault",
  "ecs:DeleteAccountSetting",
  "ec2:EnableEbsEncryptionByDefault",
  "ec2:DisableEbsEncryptionByDefault",
  "ec2:ModifyEbsDefaultKmsKeyId",
  "ec2:ResetEbsDefaultKmsKeyId",
  "ec2:EnableSerialConsoleAccess",
  "ec2:DisableSerialConsoleAccess",
  "ec2:EnableImageBlockPublicAccess",
  "ec2:DisableImageBlockPublicAccess",
  "ec2:EnableSnapshotBlockPublicAccess",
  "ec2:DisableSnapshotBlockPublicAccess",
  "ec2:ModifyInstanceMetadataDefaults",
  "ec2:EnableAllowedImagesSettings",
  "ec2:DisableAllowedImagesSettings",
  "ec2:ReplaceImageCriteriaInAllowedImagesSettings",
  "ec2:ModifyIdFormat",
  "ec2:ModifyIdentityIdFormat",
  "ec2:EnableAwsNetworkPerformanceMetricSubscription",
  "ec2:DisableAwsNetworkPerformanceMetricSubscription",
  "rds:ModifyCertificates",
];

/**
 * ECR actions no deploy role may take, on any repository or on the registry: they decide who else
 * may push or pull (repository and registry policies), copy images in from elsewhere (replication,
 * pull-through cache, creation templates) or weaken scanning for the whole account.
 */
export const ECR_DENIED_ACTIONS = [
  "ecr:SetRepositoryPolicy",
  "ecr:DeleteRepositoryPolicy",
  "ecr:PutRegistryPolicy",
  "ecr:DeleteRegistryPolicy",
  "ecr:PutReplicationConfiguration",
  "ecr:PutRegistryScanningConfiguration",
  "ecr:CreatePullThroughCacheRule",
  "ecr:UpdatePullThroughCacheRule",
  "ecr:DeletePullThroughCacheRule",
  "ecr:CreateRepositoryCreationTemplate",
  "ecr:UpdateRepositoryCreationTemplate",
  "ecr:DeleteRepositoryCreationTemplate",
  "ecr:PutAccountSetting",
];
