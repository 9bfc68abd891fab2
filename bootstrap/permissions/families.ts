/**
 * What deploying each family of an environment's regional resources takes, declared once per family
 * (DESIGN.md "Permissions: declared where resources are made"): the actions Terraform calls to
 * create, update, refresh and destroy the family's resources (AWS provider 5.x), and a margin for the
 * settings a team changes later, each with its reason. The deploy role's RegionalInfrastructure
 * statement is assembled from these lists (no `<service>:*`), fenced to the project region and off
 * other environments' tagged resources; narrowing a family is one change here.
 */

/** One family of resources and what deploying it takes. */
export interface ResourceFamily {
  /** What it is, as the README names it. */
  readonly name: string;
  /** The Terraform resource types it covers. */
  readonly resources: readonly string[];
  /** Changes Terraform makes (create, update, tag, delete). */
  readonly changes: readonly string[];
  /** Reads a plan refreshes with (Describe/List/Get), for the deploy role; the plan role has its own read list. */
  readonly reads: readonly string[];
  /**
   * Changes granted only on the named EC2 resource types (`arn:aws:ec2:<region>:<account>:<type>/*`), not on "*":
   * actions that would otherwise reach objects AWS creates untagged.
   */
  readonly byResourceType?: { readonly actions: readonly string[]; readonly resourceTypes: readonly string[]; readonly reason: string };
  /** Changes beyond today's deploy, kept so a routine settings change does not need a new grant. */
  readonly margin?: { readonly actions: readonly string[]; readonly reason: string };
}

export const NETWORK_FAMILY: ResourceFamily = {
  name: "network",
  resources: [
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_eip",
    "aws_nat_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_default_route_table",
    "aws_default_network_acl",
    "aws_default_security_group",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_endpoint",
    "aws_flow_log",
  ],
  changes: [
    "ec2:CreateVpc",
    "ec2:DeleteVpc",
    "ec2:ModifyVpcAttribute",
    "ec2:CreateSubnet",
    "ec2:DeleteSubnet",
    "ec2:ModifySubnetAttribute",
    "ec2:CreateInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DeleteInternetGateway",
    "ec2:AllocateAddress",
    "ec2:ReleaseAddress",
    "ec2:CreateNatGateway",
    "ec2:DeleteNatGateway",
    "ec2:CreateRouteTable",
    "ec2:DeleteRouteTable",
    "ec2:CreateRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteRoute",
    "ec2:AssociateRouteTable",
    "ec2:DisassociateRouteTable",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:ReplaceNetworkAclAssociation", // aws_default_network_acl moves the subnets it lists onto the default ACL
    "ec2:CreateNetworkAclEntry",
    "ec2:ReplaceNetworkAclEntry",
    "ec2:DeleteNetworkAclEntry",
    "ec2:CreateSecurityGroup",
    "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:CreateVpcEndpoint",
    "ec2:ModifyVpcEndpoint",
    "ec2:DeleteVpcEndpoints",
    "ec2:DeleteFlowLogs",
  ],
  reads: ["ec2:Describe*", "ec2:GetSecurityGroupsForVpc"],
  byResourceType: {
    actions: ["ec2:CreateFlowLogs", "ec2:DisassociateAddress"],
    resourceTypes: ["vpc", "vpc-flow-log", "elastic-ip"],
    reason:
      "they also act on network interfaces, which AWS creates untagged for tasks, the load balancer, the database and NAT " +
      "gateways: granted on the VPC (its flow log) and the Elastic IP only, which carry the Environment tag",
  },
  margin: {
    actions: [
      "ec2:AssociateVpcCidrBlock",
      "ec2:DisassociateVpcCidrBlock",
      "ec2:AssociateSubnetCidrBlock",
      "ec2:DisassociateSubnetCidrBlock",
    ],
    reason: "IPv6 or a second CIDR block on the VPC and its subnets",
  },
};

/**
 * How the network family's tags are written (ec2:CreateTags and DeleteTags are not on "*": on "*" they
 * would let an environment tag another's untagged network interfaces as its own, then change them):
 * on create, with the environment's tag, by the create actions below (AWS sends ec2:CreateAction); on
 * the environment's own tagged resources; and on the default security group, network ACL and route table
 * AWS creates untagged with a VPC, which the network construct adopts and tags.
 */
export const NETWORK_TAGGING = {
  createActions: [
    "CreateVpc",
    "CreateSubnet",
    "CreateInternetGateway",
    "AllocateAddress",
    "CreateNatGateway",
    "CreateRouteTable",
    "CreateSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "CreateVpcEndpoint",
    "CreateFlowLogs",
  ],
  adoptedTypes: ["security-group", "network-acl", "route-table"],
} as const;

export const LOAD_BALANCER_FAMILY: ResourceFamily = {
  name: "load balancer",
  resources: ["aws_lb", "aws_lb_listener", "aws_lb_target_group"],
  changes: [
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:RemoveTags",
  ],
  reads: ["elasticloadbalancing:Describe*"],
  margin: {
    actions: [
      "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:AddListenerCertificates",
      "elasticloadbalancing:RemoveListenerCertificates",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:SetRulePriorities",
    ],
    reason: "an HTTPS listener with its certificates, and listener rules",
  },
};

export const CONTAINERS_FAMILY: ResourceFamily = {
  name: "containers",
  resources: ["aws_ecs_cluster", "aws_ecs_task_definition", "aws_ecs_service"],
  changes: [
    "ecs:CreateCluster",
    "ecs:UpdateCluster",
    "ecs:UpdateClusterSettings",
    "ecs:PutClusterCapacityProviders",
    "ecs:DeleteCluster",
    "ecs:RegisterTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:CreateService",
    "ecs:UpdateService",
    "ecs:DeleteService",
    // deploy.yml's migration step runs a one-off task of the migration task definition.
    "ecs:RunTask",
    "ecs:TagResource",
    "ecs:UntagResource",
  ],
  reads: ["ecs:Describe*", "ecs:List*"],
  margin: { actions: ["ecs:StopTask"], reason: "stopping a migration task that hangs" },
};

export const DATABASE_FAMILY: ResourceFamily = {
  name: "database",
  resources: ["aws_db_instance", "aws_db_subnet_group", "aws_db_parameter_group"],
  changes: [
    "rds:CreateDBInstance",
    "rds:ModifyDBInstance",
    "rds:DeleteDBInstance",
    // DeleteDBInstance with a final snapshot creates it.
    "rds:CreateDBSnapshot",
    "rds:CreateDBSubnetGroup",
    "rds:ModifyDBSubnetGroup",
    "rds:DeleteDBSubnetGroup",
    "rds:CreateDBParameterGroup",
    "rds:ModifyDBParameterGroup",
    "rds:DeleteDBParameterGroup",
    "rds:AddTagsToResource",
    "rds:RemoveTagsFromResource",
  ],
  reads: ["rds:Describe*", "rds:ListTagsForResource"],
  margin: { actions: ["rds:RebootDBInstance", "rds:ResetDBParameterGroup"], reason: "applying a static parameter change" },
};

export const AUTOSCALING_FAMILY: ResourceFamily = {
  name: "service autoscaling",
  resources: ["aws_appautoscaling_target", "aws_appautoscaling_policy"],
  changes: [
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:TagResource",
    "application-autoscaling:UntagResource",
  ],
  reads: ["application-autoscaling:Describe*", "application-autoscaling:ListTagsForResource"],
  margin: {
    actions: ["application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction"],
    reason: "scheduled scaling",
  },
};

/**
 * The environment's buckets (the site and the load balancer's access logs), granted on their exact
 * names (OwnBuckets), not as `s3:*`: no ACLs, no access points, no object lock, no replication.
 */
export const STORAGE_FAMILY: ResourceFamily = {
  name: "buckets",
  resources: [
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
  ],
  changes: [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    // The site's files (deploy.yml) and emptying a bucket before it is destroyed.
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
  ],
  reads: [
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetAccelerateConfiguration",
    "s3:GetAnalyticsConfiguration",
    "s3:GetIntelligentTieringConfiguration",
    "s3:GetInventoryConfiguration",
    "s3:GetMetricsConfiguration",
  ],
  margin: {
    actions: ["s3:PutBucketCORS", "s3:PutBucketLogging", "s3:PutBucketWebsite", "s3:DeleteBucketWebsite", "s3:PutBucketNotification"],
    reason: "CORS for the site, access logging, a website configuration and event notifications",
  },
};

/** The families granted on "*" in the project region (their resources' ARNs hold ids AWS assigns). */
export const REGIONAL_FAMILIES: readonly ResourceFamily[] = [
  NETWORK_FAMILY,
  LOAD_BALANCER_FAMILY,
  CONTAINERS_FAMILY,
  DATABASE_FAMILY,
  AUTOSCALING_FAMILY,
];

/** Every action of the families: changes, reads and margins. */
export function familyActions(families: readonly ResourceFamily[]): string[] {
  return families.flatMap((f) => [...f.changes, ...(f.margin?.actions ?? []), ...f.reads]);
}

/** The services of the families, as `<service>:*` (for the deny on other environments' resources, never an Allow). */
export function familyServices(families: readonly ResourceFamily[]): string[] {
  return [...new Set(familyActions(families).map((a) => `${a.split(":")[0]}:*`))];
}

/**
 * CloudWatch alarms and the dashboard, by their names (`<prefix>-*`): a dashboard takes no tag, so
 * its name is its only fence.
 */
export const MONITORING_ACTIONS = {
  alarms: [
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:EnableAlarmActions",
    "cloudwatch:DisableAlarmActions",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
  ],
  dashboards: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
  /** Accept only "*" (no alarm or dashboard named). */
  lists: ["cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards", "cloudwatch:DescribeAlarmsForMetric"],
} as const;
