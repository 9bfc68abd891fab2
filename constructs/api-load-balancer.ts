import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener, type LbListenerConfig } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { type TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { LoadBalancerSchema } from "../config/schema";
import { type AuditExemption, exempt, exemptAll } from "../lib/audit-exemptions";
import { SecureBucket } from "./secure-bucket";

/** Where the access logs go. */
export interface ApiAccessLogsProps {
  /** Globally unique name of the log bucket this construct creates. */
  readonly bucketName: string;
  /**
   * Delete log objects this many days after they are written.
   * @default - 90 days
   */
  readonly expirationDays?: number;
}

/** HTTPS on a custom domain. */
export interface ApiHttpsProps {
  /** Domain the API is served on (its DNS record points at the load balancer; managed elsewhere). */
  readonly domainName: string;
  /** ARN of an issued ACM certificate for `domainName`, in the load balancer's region. */
  readonly certificateArn: string;
}

export interface ApiLoadBalancerProps {
  /**
   * Name of the load balancer and of its target group, e.g. `acme-stage-api`: letters, digits and
   * hyphens, at most 32 characters, no hyphen first or last. Its security group is `<name>-alb`.
   */
  readonly name: string;
  /** VPC of the load balancer and its targets. */
  readonly vpcId: string;
  /** Public subnets (at least two availability zones) of the internet-facing load balancer. */
  readonly publicSubnetIds: string[];
  /**
   * Port the targets (the tasks) listen on; the target group forwards to it and probes it.
   * @default - 8000
   */
  readonly targetPort?: number;
  /**
   * Path the health check requests; the targets must answer 200.
   * @default - "/health"
   */
  readonly healthCheckPath?: string;
  /** Refuse deletion of the load balancer (a destroy must first turn this off). */
  readonly deletionProtection: boolean;
  /**
   * Write access logs to a private, SSE-S3 encrypted bucket this construct creates.
   * @default - no access logs
   */
  readonly accessLogs?: ApiAccessLogsProps;
  /**
   * Serve HTTPS on 443 with this certificate; port 80 then only redirects to 443.
   * @default - plain HTTP on port 80, forwarding to the targets
   */
  readonly https?: ApiHttpsProps;
  /**
   * Why this load balancer serves plain HTTP, when `https` is not set: recorded as the audit
   * exemption of the HTTP listener from ALB-HTTP-REDIRECTS-TO-HTTPS.
   * @default - no exemption: the audit fails the HTTP-only listener
   */
  readonly httpOnlyReason?: string;
  /**
   * Audit rules the load balancer deliberately fails (e.g. a production risk accepted in the config), with the reasons.
   * @default - none
   */
  readonly auditExemptions?: readonly AuditExemption[];
}

/** The port the API's containers listen on, unless `targetPort` says otherwise (previews' use it too). */
export const API_PORT = 8000;
/** The path the API answers 200 on, unless `healthCheckPath` says otherwise. */
export const API_HEALTH_CHECK_PATH = "/health";

/** Load balancer and target group names: letters, digits and hyphens, 1 to 32, no hyphen first or last. */
const LOAD_BALANCER_NAME = /^(?=.{1,32}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * The API's internet-facing Application Load Balancer: its security group (HTTP, and HTTPS when
 * configured, from the internet), an IP target group for the tasks, the listeners (HTTPS with an
 * HTTP redirect, or HTTP only with its reason recorded for the audit), and optionally its access-log
 * bucket. The service it forwards to opens its side of the connection (FargateService).
 */
export class ApiLoadBalancer extends Construct {
  /** Security group of the load balancer; the targets admit it on `targetPort`. */
  readonly securityGroupId: string;
  readonly loadBalancerArn: string;
  readonly loadBalancerDnsName: string;
  /** The load balancer's CloudWatch dimension (`app/<name>/<id>`). */
  readonly loadBalancerArnSuffix: string;
  /** Target group the service registers its tasks in. */
  readonly targetGroupArn: string;
  /** The target group's CloudWatch dimension (`targetgroup/<name>/<id>`). */
  readonly targetGroupArnSuffix: string;
  /** Port the targets listen on. */
  readonly targetPort: number;
  /** The listeners: ECS refuses to register targets in a target group no listener uses yet. */
  readonly listeners: TerraformResource[];
  /** `https://<domain>` with HTTPS, else `http://<load balancer DNS name>`. */
  readonly url: string;
  /** Name of the access log bucket, when access logs are on. */
  readonly accessLogBucketName?: string;

  constructor(scope: Construct, id: string, props: ApiLoadBalancerProps) {
    super(scope, id);
    this.targetPort = props.targetPort ?? API_PORT;
    const healthCheckPath = props.healthCheckPath ?? API_HEALTH_CHECK_PATH;
    validate(props, this.targetPort, healthCheckPath);

    const securityGroup = this.securityGroup(props);
    const logBucket = props.accessLogs && this.accessLogBucket(props.accessLogs);
    const loadBalancer = new Lb(this, "load-balancer", {
      name: props.name,
      loadBalancerType: "application",
      internal: false,
      subnets: props.publicSubnetIds,
      securityGroups: [securityGroup.id],
      // Requests with malformed headers are dropped rather than passed on to the application.
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection,
      accessLogs: logBucket ? { bucket: logBucket.bucketName, enabled: true } : undefined,
      // The load balancer checks that it may write to the bucket when logging is turned on.
      dependsOn: logBucket ? [logBucket.policy] : undefined,
    });
    exemptAll(loadBalancer, props.auditExemptions);

    const targetGroup = new LbTargetGroup(this, "target-group", {
      name: props.name,
      targetType: "ip",
      port: this.targetPort,
      protocol: "HTTP",
      vpcId: props.vpcId,
      // Tasks drain in 30 s instead of the 300 s default, which would slow every deploy.
      deregistrationDelay: "30",
      healthCheck: { enabled: true, path: healthCheckPath, matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
    });
    this.listeners = this.createListeners(props, loadBalancer, targetGroup);

    this.securityGroupId = securityGroup.id;
    this.loadBalancerArn = loadBalancer.arn;
    this.loadBalancerDnsName = loadBalancer.dnsName;
    this.loadBalancerArnSuffix = loadBalancer.arnSuffix;
    this.targetGroupArn = targetGroup.arn;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;
    this.url = props.https ? `https://${props.https.domainName}` : `http://${loadBalancer.dnsName}`;
    this.accessLogBucketName = logBucket?.bucketName;
  }

  /** HTTP (and HTTPS when it is served) from the internet, over IPv4 and IPv6; rules as separate resources. */
  private securityGroup(props: ApiLoadBalancerProps): SecurityGroup {
    const group = new SecurityGroup(this, "alb-security-group", {
      name: `${props.name}-alb`,
      description: `Load balancer of ${props.name}: HTTP(S) from the internet, to the tasks only`,
      vpcId: props.vpcId,
    });
    // Without an HTTPS listener nothing answers on 443, so it stays closed.
    for (const port of props.https ? [80, 443] : [80]) {
      for (const [family, cidr] of [
        ["ipv4", "0.0.0.0/0"],
        ["ipv6", "::/0"],
      ] as const) {
        new VpcSecurityGroupIngressRule(this, `alb-ingress-${port}-${family}`, {
          securityGroupId: group.id,
          description: `Port ${port} from the internet`,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          ...(family === "ipv4" ? { cidrIpv4: cidr } : { cidrIpv6: cidr }),
        });
      }
    }
    return group;
  }

  /** The log bucket, with the statement that lets the region's ELB account deliver logs into it. */
  private accessLogBucket(accessLogs: ApiAccessLogsProps): SecureBucket {
    const bucket = new SecureBucket(this, "access-logs", {
      bucketName: accessLogs.bucketName,
      // ALB log delivery writes with SSE-S3 only (SecureBucket's default); it cannot use a KMS key.
      expirationDays: accessLogs.expirationDays ?? 90,
      // Expired logs become noncurrent versions in a versioned bucket; remove those too.
      noncurrentVersionExpirationDays: 1,
    });
    const elbAccount = new DataAwsElbServiceAccount(this, "elb-account");
    const account = new DataAwsCallerIdentity(this, "account");
    bucket.addToResourcePolicy({
      Sid: "AllowLoadBalancerLogDelivery",
      Effect: "Allow",
      Principal: { AWS: elbAccount.arn },
      Action: "s3:PutObject",
      Resource: `${bucket.bucketArn}/AWSLogs/${account.accountId}/*`,
    });
    return bucket;
  }

  /** HTTPS forwarding and HTTP redirecting to it; or HTTP forwarding, exempted with `httpOnlyReason`. */
  private createListeners(props: ApiLoadBalancerProps, loadBalancer: Lb, targetGroup: LbTargetGroup): LbListener[] {
    const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
    const listener = (id: string, port: number, protocol: string, rest: Partial<LbListenerConfig>) =>
      new LbListener(this, id, { loadBalancerArn: loadBalancer.arn, port, protocol, defaultAction: forward, ...rest });
    if (props.https) {
      return [
        listener("https-listener", 443, "HTTPS", { sslPolicy: TLS_POLICY, certificateArn: props.https.certificateArn }),
        listener("http-listener", 80, "HTTP", {
          defaultAction: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } }],
        }),
      ];
    }
    const http = listener("http-listener", 80, "HTTP", {});
    if (props.httpOnlyReason) exempt(http, "ALB-HTTP-REDIRECTS-TO-HTTPS", props.httpOnlyReason);
    return [http];
  }
}

function validate(props: ApiLoadBalancerProps, targetPort: number, healthCheckPath: string): void {
  const shape = LoadBalancerSchema.unwrap().shape;
  checkFields("ApiLoadBalancer", { deletionProtection: shape.deletionProtection, https: shape.https }, props);
  const fail = (message: string): never => {
    throw new Error(`ApiLoadBalancer: ${message}`);
  };
  const { name } = props;
  if (!Token.isUnresolved(name) && !LOAD_BALANCER_NAME.test(name)) {
    fail(
      `name "${name}" (${name.length} characters) is not a load balancer name: use at most 32 letters, digits and hyphens, ` +
        "no hyphen first or last; shorten the project or environment name",
    );
  }
  if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) {
    fail(`targetPort ${targetPort} must be a whole number from 1 to 65535; use e.g. 8000`);
  }
  if (!healthCheckPath.startsWith("/")) {
    fail(`healthCheckPath "${healthCheckPath}" must start with "/"; use e.g. "/${healthCheckPath}"`);
  }
}
