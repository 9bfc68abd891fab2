import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { buildPlatform } from "../app";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { ConfigError, formatProblem } from "../config/validate";
import { runCommand } from "../lib/cli";
import { sampleConfig } from "./support/sample";

/**
 * Bad configuration, as a careless or hostile user writes it: every case is refused before anything
 * is synthesized, with exactly one problem that names the setting, shows the value and says the fix.
 * (Environment variables and command paths are refused the same way; entry-points.test.ts runs
 * main.ts for those.)
 */

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Config = Mutable<PlatformConfig>;
type Env = Mutable<EnvironmentConfig>;
type Any = any;

const CERT = (region: string, account = "123456789012") =>
  `arn:aws:acm:${region}:${account}:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc`;

/** [what the user did, the change, the setting the one problem must name, what its fix must say] */
const CASES: Array<[string, (c: Config, stage: Env, prod: Env) => void, string, RegExp]> = [
  // project
  ["uppercase project name", (c) => void (c.project.name = "Acme"), "project.name", /lowercase/],
  ["double hyphen in the project name", (c) => void (c.project.name = "ac--me"), "project.name", /"--"/],
  ["project name with an S3-reserved prefix", (c) => void (c.project.name = "xn-acme"), "project.name", /S3 reserves/],
  ["project name as a number", (c) => void ((c.project as Any).name = 42), "project.name", /lowercase name/],
  [
    "account id as a number (leading zeros lost)",
    (c) => void ((c.project as Any).accountId = 123456789012),
    "project.accountId",
    /as a string/,
  ],
  ["short account id", (c) => void (c.project.accountId = "1234"), "project.accountId", /12-digit/],
  ["region that is not a region name", (c) => void (c.project.region = "europe"), "project.region", /not an AWS region/],
  ["region that does not exist", (c) => void (c.project.region = "eu-west-9"), "project.region", /not an AWS region/],
  ["GovCloud region", (c) => void (c.project.region = "us-gov-west-1"), "project.region", /aws-us-gov partition/],
  ["China region", (c) => void (c.project.region = "cn-north-1"), "project.region", /aws-cn partition/],
  ["misspelt project setting", (c) => void ((c.project as Any).regoin = "eu-west-1"), "project.regoin", /did you mean "region"/],
  ["GitHub owner with a space", (c) => void (c.project.github.owner = "acme corp"), "project.github.owner", /GitHub user or organisation/],
  ["repository name with a slash", (c) => void (c.project.github.repo = "acme/platform"), "project.github.repo", /repository name/],
  // names outside AWS with rules of their own (issue 21, class 7)
  ["default branch HEAD", (c) => void (c.project.github.defaultBranch = "HEAD"), "project.github.defaultBranch", /git reserves/],
  ["default branch with @{", (c) => void (c.project.github.defaultBranch = "main@{1}"), "project.github.defaultBranch", /"@\{"/],
  ["repository name ending .git", (c) => void (c.project.github.repo = "platform.git"), "project.github.repo", /ends with "\.git"/],
  [
    "default branch given as a ref",
    (c) => void (c.project.github.defaultBranch = "refs/heads/main"),
    "project.github.defaultBranch",
    /use the name alone, e.g. "main"/,
  ],
  [
    "default branch with a space",
    (c) => void (c.project.github.defaultBranch = "release branch"),
    "project.github.defaultBranch",
    /plain branch name/,
  ],
  ["default branch ending in .lock", (c) => void (c.project.github.defaultBranch = "main.lock"), "project.github.defaultBranch", /\.lock/],
  [
    "default branch with a wildcard",
    (c) => void (c.project.github.defaultBranch = "release/*"),
    "project.github.defaultBranch",
    /wildcards/,
  ],
  [
    "OIDC provider of another account",
    (c) => void (c.project.github.existingOidcProviderArn = "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"),
    "project.github.existingOidcProviderArn",
    /of this account/,
  ],
  ["repository id with letters", (c) => void ((c.project.github as Any).repositoryId = "R_kgDO"), "project.github.repositoryId", /digits/],
  [
    "repository id as a number",
    (c) => void ((c.project.github as Any).repositoryId = 123),
    "project.github.repositoryId",
    /string of digits/,
  ],
  [
    "repository id without the owner id",
    (c) => void ((c.project.github as Any).repositoryId = "123456"),
    "project.github.repositoryId/ownerId",
    /both ids/,
  ],
  ["no platform owners", (c) => void (c.project.github.platformOwners = []), "project.github.platformOwners", /at least one code owner/],
  [
    "platform owner without @",
    (c) => void (c.project.github.platformOwners = ["acme/platform"]),
    "project.github.platformOwners[0]",
    /"@org\/team"/,
  ],
  ["blank required check", (c) => void (c.project.github.requiredCheck = "  "), "project.github.requiredCheck", /name the CI job/],
  [
    "self-review flag as a string",
    (c) => void ((c.project.github as Any).preventSelfReview = "false"),
    "project.github.preventSelfReview",
    /not a string/,
  ],
  [
    "self-review off with a production environment",
    (c) => void (c.project.github.preventSelfReview = false),
    "project.github.preventSelfReview",
    /acceptedRisks/,
  ],
  [
    "default branch unprotected with a production environment",
    (c) => void (c.project.github.protectDefaultBranch = false),
    "project.github.protectDefaultBranch",
    /acceptedRisks/,
  ],
  [
    "state versions kept 0 days",
    (c) => void (c.project.bootstrap = { noncurrentVersionExpirationDays: 0 }),
    "project.bootstrap.noncurrentVersionExpirationDays",
    /1 to 3650/,
  ],
  [
    "stateInBucket as a string",
    (c) => void ((c.project as Any).bootstrap = { stateInBucket: "yes" }),
    "project.bootstrap.stateInBucket",
    /true or false/,
  ],
  // accounts: an account per environment
  ["environment account id of 11 digits", (_c, _s, p) => void (p.accountId = "21098765432"), "prod.accountId", /12-digit AWS account id/],
  ["environment account id as a number", (_c, _s, p) => void ((p as Any).accountId = 210987654321), "prod.accountId", /as a string/],
  [
    "environment in an account with no bootstrap",
    (c) => void delete c.project.accounts,
    "prod.accountId",
    /add \{ accountId: "210987654321" \} to project\.accounts/,
  ],
  [
    "one account listed twice with different bootstrap settings",
    (c, _s, p) => {
      c.project.accounts = [{ accountId: "210987654321" }, { accountId: "210987654321", bootstrap: { stateInBucket: true } }];
      p.accountId = "210987654321";
    },
    "project.accounts[1].accountId",
    /listed twice.*merge the two/,
  ],
  [
    "production in the project's account with stage (the one-account layout), no risk accepted",
    (c, _s, p) => {
      delete c.project.accounts;
      delete p.accountId;
    },
    "prod.accountId",
    /^is another environment's account too: production needs an account of its own.*prod\.acceptedRisks/,
  ],
  [
    "stage moved into production's own account",
    (_c, s) => void (s.accountId = "210987654321"),
    "prod.accountId",
    /^is another environment's account too/,
  ],
  [
    "the project's own account in project.accounts",
    (c) => void (c.project.accounts = [...(c.project.accounts ?? []), { accountId: "123456789012" }]),
    "project.accounts[1].accountId",
    /project's own account.*remove the entry/,
  ],
  [
    "an account that hosts no environment",
    (c) => void (c.project.accounts = [...(c.project.accounts ?? []), { accountId: "333333333333" }]),
    "project.accounts[1].accountId",
    /hosts no environment/,
  ],
  [
    "account id in project.accounts of 13 digits",
    (c) => void (c.project.accounts = [{ accountId: "2109876543210" }]),
    "project.accounts[0].accountId",
    /12-digit/,
  ],
  [
    "OIDC provider of the project's account for another account",
    (c, _s, p) => {
      c.project.accounts = [
        {
          accountId: "210987654321",
          existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        },
      ];
      p.accountId = "210987654321";
    },
    "project.accounts[0].existingOidcProviderArn",
    /of account 210987654321/,
  ],
  [
    "certificate of the project's account for an environment in its own account",
    (c, _s, p) => {
      c.project.accounts = [{ accountId: "210987654321" }];
      p.accountId = "210987654321";
      p.site.domain = { domainName: "www.example.com", certificateArn: CERT("us-east-1") };
    },
    "prod.site.domain.certificateArn",
    /environment's account 210987654321/,
  ],
  // environments
  ["no environments", (c) => void (c.environments = []), "environments", /at least one environment/],
  ["environment name with capitals", (_c, s) => void (s.name = "Stage-1"), "environments[0].name", /lowercase/],
  [
    "environment named like a stack",
    (c, s) => {
      s.name = "bootstrap";
      c.previews!.host = "bootstrap";
    },
    "environments[].name",
    /reserved/,
  ],
  ["two environments with one name", (_c, _s, p) => void (p.name = "stage"), "environments[].name", /defined twice/],
  ["tier misspelt", (_c, s) => void ((s as Any).tier = "nonprod"), "stage.tier", /"production" or "non-production"/],
  [
    "name that says production on a non-production tier",
    (c, s) => {
      s.name = "prod2";
      c.previews!.host = "prod2";
    },
    "prod2.tier",
    /must be "production"/,
  ],
  // previews (issue 23)
  [
    "previews hosted by an environment that does not exist",
    (c) => void (c.previews!.host = "staging"),
    "previews.host",
    /use one of stage, prod/,
  ],
  ["previews hosted by production", (c) => void (c.previews!.host = "prod"), "previews.host", /is a production environment.*stage/],
  [
    "an environment named pr beside previews",
    (c, s) => {
      s.name = "pr";
      c.previews!.host = "pr";
    },
    "environments[].name",
    /prefix of every preview's names \(acme-pr-<n>\); pick another name, or remove previews/,
  ],
  [
    "previews on a PostgreSQL 15 host",
    (_c, s) => void (s.database.engineVersion = "15"),
    "previews.host",
    /needs 16 or later.*raise stage\.database\.engineVersion or remove previews/,
  ],
  [
    "a preview domain without the host's HTTPS",
    (c) => void (c.previews!.domain = { name: "preview.example.com", hostedZoneId: "Z0123456789ABC", certificateArn: CERT("eu-west-1") }),
    "previews.domain",
    /needs stage\.loadBalancer\.https.*remove previews\.domain to reach previews by path/,
  ],
  [
    "a preview certificate in another region",
    (c, s) => {
      s.loadBalancer = {
        deletionProtection: false,
        accessLogs: false,
        https: { domainName: "api.stage.example.com", certificateArn: CERT("eu-west-1") },
      };
      c.previews!.domain = { name: "preview.example.com", hostedZoneId: "Z0123456789ABC", certificateArn: CERT("us-east-1") };
    },
    "previews.domain.certificateArn",
    /in eu-west-1/,
  ],
  [
    "a preview certificate of another account",
    (c, s) => {
      s.loadBalancer = {
        deletionProtection: false,
        accessLogs: false,
        https: { domainName: "api.stage.example.com", certificateArn: CERT("eu-west-1") },
      };
      c.previews!.domain = {
        name: "preview.example.com",
        hostedZoneId: "Z0123456789ABC",
        certificateArn: CERT("eu-west-1", "210987654321"),
      };
    },
    "previews.domain.certificateArn",
    /belongs to account 210987654321; use a certificate of the environment's account 123456789012/,
  ],
  [
    "a preview domain that is not a name",
    (c) => void (c.previews!.domain = { name: "Preview", hostedZoneId: "Z1", certificateArn: CERT("eu-west-1") }),
    "previews.domain.name",
    /use e\.g\. "preview\.example\.com"/,
  ],
  [
    "a hosted zone id that is not one",
    (c) => void (c.previews!.domain = { name: "preview.example.com", hostedZoneId: "zone", certificateArn: CERT("eu-west-1") }),
    "previews.domain.hostedZoneId",
    /Route 53 hosted zone id/,
  ],
  [
    "preview CPU and memory Fargate does not pair",
    (c) => void (c.previews!.service = { cpu: 1024, memoryMiB: 512 }),
    "previews.service.memoryMiB",
    /not a Fargate memory size for 1024 CPU units; use one of 2048/,
  ],
  [
    "preview memory too small for the default CPU",
    (c) => void (c.previews!.service = { memoryMiB: 4096 }),
    "previews.service.memoryMiB",
    /for 256 CPU units; use one of 512, 1024, 2048/,
  ],
  ["preview CPU that is not a Fargate size", (c) => void (c.previews!.service = { cpu: 300 }), "previews.service.cpu", /Fargate CPU size/],
  [
    "preview log retention CloudWatch does not offer",
    (c) => void (c.previews!.service = { logRetentionDays: 4 }),
    "previews.service.logRetentionDays",
    /CloudWatch's retention values/,
  ],
  ["no preview at all allowed", (c) => void (c.previews!.maxActive = 0), "previews.maxActive", /from 1 to 20; use e\.g\. 3/],
  ["more previews than the cap", (c) => void (c.previews!.maxActive = 21), "previews.maxActive", /from 1 to 20/],
  ["previews kept idle for 0 days", (c) => void (c.previews!.idleDays = 0), "previews.idleDays", /of days from 1 to 30/],
  ["previews kept idle for two months", (c) => void (c.previews!.idleDays = 60), "previews.idleDays", /of days from 1 to 30/],
  [
    "database setup image without a tag",
    (c) => void (c.previews!.databaseSetupImage = "postgres"),
    "previews.databaseSetupImage",
    /pinned by tag or digest/,
  ],
  ["misspelt previews setting", (c) => void ((c.previews as Any).maxActiv = 3), "previews.maxActiv", /did you mean "maxActive"/],
  [
    "non-production reason on a production environment",
    (_c, _s, p) => void (p.nonProductionReason = "it is not really production"),
    "prod.nonProductionReason",
    /remove it/,
  ],
  ["a whole block missing", (_c, _s, p) => void delete (p as Any).database, "prod.database", /must be set: add it/],
  ["misspelt environment setting", (_c, s) => void ((s as Any).netwrok = s.network), "stage.netwrok", /did you mean "network"/],
  // network
  ["CIDR prefix past 32", (_c, s) => void (s.network.vpcCidr = "10.0.0.0/33"), "stage.network.vpcCidr", /not a valid IPv4 CIDR/],
  [
    "CIDR octet with a leading zero",
    (_c, s) => void (s.network.vpcCidr = "10.010.0.0/16"),
    "stage.network.vpcCidr",
    /not a valid IPv4 CIDR/,
  ],
  ["CIDR octet over 255", (_c, s) => void (s.network.vpcCidr = "10.300.0.0/16"), "stage.network.vpcCidr", /not a valid IPv4 CIDR/],
  ["CIDR with host bits", (_c, s) => void (s.network.vpcCidr = "10.10.0.1/16"), "stage.network.vpcCidr", /host bits/],
  ["CIDR larger than AWS allows", (_c, s) => void (s.network.vpcCidr = "172.0.0.0/8"), "stage.network.vpcCidr", /\/16 to \/22/],
  ["overlapping environment CIDRs", (_c, _s, p) => void (p.network.vpcCidr = "10.10.0.0/16"), "prod.network.vpcCidr", /overlaps stage/],
  ["five availability zones", (_c, s) => void (s.network.azCount = 5), "stage.network.azCount", /2, 3 or 4/],
  ["AZ count as a string", (_c, s) => void ((s.network as Any).azCount = "2"), "stage.network.azCount", /2, 3 or 4/],
  [
    "NAT mode that does not exist",
    (_c, s) => void ((s.network as Any).natGateways = "none"),
    "stage.network.natGateways",
    /"single" or "perAz"/,
  ],
  [
    "flow log retention CloudWatch refuses",
    (_c, s) => void (s.network.flowLogRetentionDays = 10),
    "stage.network.flowLogRetentionDays",
    /retention values/,
  ],
  // service
  ["Fargate CPU size that does not exist", (_c, s) => void (s.service.cpu = 300), "stage.service.cpu", /Fargate CPU size/],
  [
    "memory Fargate does not pair with the CPU",
    (_c, s) => void (s.service.memoryMiB = 256),
    "stage.service.memoryMiB",
    /Fargate memory size/,
  ],
  ["desired count above the maximum", (_c, s) => void (s.service.desiredCount = 5), "stage.service.desiredCount", /autoscaling bounds/],
  ["maximum below the minimum", (_c, _s, p) => void (p.service.maxCount = 1), "prod.service.maxCount", /from minCount/],
  ["CPU target of 95%", (_c, s) => void (s.service.cpuTargetPercent = 95), "stage.service.cpuTargetPercent", /10 to 90/],
  ["log retention of 0 days", (_c, s) => void (s.service.logRetentionDays = 0), "stage.service.logRetentionDays", /retention values/],
  ["keep no images", (_c, s) => void (s.service.keepImages = 0), "stage.service.keepImages", /1 to 1000/],
  ["fractional task count", (_c, s) => void (s.service.minCount = 1.5), "stage.service.minCount", /whole number/],
  // load balancer
  [
    "deletion protection as a string",
    (_c, s) => void ((s.loadBalancer as Any).deletionProtection = "false"),
    "stage.loadBalancer.deletionProtection",
    /not a string/,
  ],
  [
    "plain HTTP without a reason",
    (_c, s) => void delete s.loadBalancer.httpOnlyReason,
    "stage.loadBalancer.httpOnlyReason",
    /why this environment serves plain HTTP/,
  ],
  [
    "API certificate of another account",
    (_c, s) => {
      delete s.loadBalancer.httpOnlyReason;
      s.loadBalancer.https = { domainName: "api.stage.example.com", certificateArn: CERT("eu-west-1", "999999999999") };
    },
    "stage.loadBalancer.https.certificateArn",
    /account 999999999999/,
  ],
  [
    "API certificate in another region",
    (_c, s) => {
      delete s.loadBalancer.httpOnlyReason;
      s.loadBalancer.https = { domainName: "api.stage.example.com", certificateArn: CERT("us-east-1") };
    },
    "stage.loadBalancer.https.certificateArn",
    /in eu-west-1/,
  ],
  [
    "API domain given as a URL",
    (_c, s) => {
      delete s.loadBalancer.httpOnlyReason;
      s.loadBalancer.https = { domainName: "https://api.example.com", certificateArn: CERT("eu-west-1") };
    },
    "stage.loadBalancer.https.domainName",
    /not a domain name/,
  ],
  [
    "API certificate that is not an ARN",
    (_c, s) => {
      delete s.loadBalancer.httpOnlyReason;
      s.loadBalancer.https = { domainName: "api.stage.example.com", certificateArn: "my-cert" };
    },
    "stage.loadBalancer.https.certificateArn",
    /ACM certificate ARN/,
  ],
  // database
  ["PostgreSQL 12", (_c, s) => void (s.database.engineVersion = "12"), "stage.database.engineVersion", /13 or newer/],
  ["engine version as a number", (_c, s) => void ((s.database as Any).engineVersion = 16), "stage.database.engineVersion", /as a string/],
  [
    "instance size that does not exist",
    (_c, s) => void (s.database.instanceClass = "db.t4g.huge"),
    "stage.database.instanceClass",
    /no size "huge"/,
  ],
  [
    "instance family that does not exist",
    (_c, s) => void (s.database.instanceClass = "db.z9.large"),
    "stage.database.instanceClass",
    /no RDS for PostgreSQL family "z9"/,
  ],
  [
    "instance class without db.",
    (_c, s) => void (s.database.instanceClass = "t4g.micro"),
    "stage.database.instanceClass",
    /db\.<family>\.<size>/,
  ],
  [
    "a micro instance of a standard family",
    (_c, s) => void (s.database.instanceClass = "db.m7g.micro"),
    "stage.database.instanceClass",
    /no size "micro"/,
  ],
  ["10 GiB of storage", (_c, s) => void (s.database.allocatedStorageGiB = 10), "stage.database.allocatedStorageGiB", /20 to 65536/],
  [
    "storage ceiling equal to the initial size",
    (_c, s) => void (s.database.maxAllocatedStorageGiB = 20),
    "stage.database.maxAllocatedStorageGiB",
    /larger than allocatedStorageGiB/,
  ],
  ["one day of backups", (_c, s) => void (s.database.backupRetentionDays = 1), "stage.database.backupRetentionDays", /7 to 35/],
  ["database named with a reserved word", (_c, s) => void (s.database.databaseName = "select"), "stage.database.databaseName", /reserves/],
  ["database named postgres", (_c, s) => void (s.database.databaseName = "postgres"), "stage.database.databaseName", /reserves/],
  ["database name with capitals", (_c, s) => void (s.database.databaseName = "App"), "stage.database.databaseName", /lowercase identifier/],
  [
    'multiAz as the string "false" in prod',
    (_c, _s, p) => void ((p.database as Any).multiAz = "false"),
    "prod.database.multiAz",
    /not a string/,
  ],
  [
    'deletionProtection as the string "false" in prod',
    (_c, _s, p) => void ((p.database as Any).deletionProtection = "false"),
    "prod.database.deletionProtection",
    /not a string/,
  ],
  ["prod without multi-AZ", (_c, _s, p) => void (p.database.multiAz = false), "prod.database.multiAz", /acceptedRisks/],
  [
    "prod without Performance Insights",
    (_c, _s, p) => void (p.database.performanceInsights = false),
    "prod.database.performanceInsights",
    /acceptedRisks/,
  ],
  [
    "prod with 7 days of backups",
    (_c, _s, p) => void (p.database.backupRetentionDays = 7),
    "prod.database.backupRetentionDays",
    /at least 14/,
  ],
  // site
  [
    "price class that does not exist",
    (_c, s) => void ((s.site as Any).priceClass = "PriceClass_300"),
    "stage.site.priceClass",
    /PriceClass_100/,
  ],
  [
    "site certificate outside us-east-1",
    (_c, s) => void (s.site.domain = { domainName: "www.example.com", certificateArn: CERT("eu-west-1") }),
    "stage.site.domain.certificateArn",
    /in us-east-1/,
  ],
  [
    "one site domain in two environments",
    (_c, s, p) => {
      s.site.domain = { domainName: "www.example.com", certificateArn: CERT("us-east-1") };
      p.site.domain = { domainName: "www.example.com", certificateArn: CERT("us-east-1", "210987654321") };
    },
    "prod.site.domain.domainName",
    /already used by stage\.site\.domain\.domainName/,
  ],
  // monitoring and migration
  ["no monitoring block", (_c, s) => void delete (s as Any).monitoring, "stage.monitoring", /must be set/],
  ['alarms as the string "true"', (_c, s) => void ((s.monitoring as Any).alarms = "true"), "stage.monitoring.alarms", /not a string/],
  [
    "subscriber that is neither an email nor a URL",
    (_c, s) => void (s.monitoring.subscribers = ["oncall"]),
    "stage.monitoring.subscribers[0]",
    /email address or an https:\/\/ URL/,
  ],
  [
    "subscriber over plain http",
    (_c, s) => void (s.monitoring.subscribers = ["http://hooks.example.com/alarms"]),
    "stage.monitoring.subscribers[0]",
    /plain http would send alarms in clear/,
  ],
  [
    "subscriber written as a mailto: link",
    (_c, s) => void (s.monitoring.subscribers = ["mailto:ops@example.com"]),
    "stage.monitoring.subscribers[0]",
    /mailto: link; write the address alone, e.g. "ops@example.com"/,
  ],
  [
    "subscriber URL with credentials in it",
    (_c, s) => void (s.monitoring.subscribers = ["https://user:secret@hooks.example.com/alarms"]),
    "stage.monitoring.subscribers[0]",
    /credentials/,
  ],
  [
    "subscriber URL holding a Terraform template",
    (_c, s) => void (s.monitoring.subscribers = ['https://hooks.example.com/${file("/etc/passwd")}']),
    "stage.monitoring.subscribers[0]",
    /percent-encode/,
  ],
  [
    "the same subscriber twice",
    (_c, s) => void (s.monitoring.subscribers = ["ops@example.com", "OPS@example.com"]),
    "stage.monitoring.subscribers[1]",
    /listed twice/,
  ],
  ["prod with nobody to page", (_c, _s, p) => void (p.monitoring.subscribers = []), "prod.monitoring.subscribers", /acceptedRisks/],
  ["prod without alarms", (_c, _s, p) => void (p.monitoring.alarms = false), "prod.monitoring.alarms", /acceptedRisks/],
  [
    "5xx rate of 0 percent",
    (_c, s) => void (s.monitoring.thresholds = { api5xxRatePercent: 0 }),
    "stage.monitoring.thresholds.api5xxRatePercent",
    /from 1 to 50/,
  ],
  [
    "service CPU alarm at 150 percent",
    (_c, s) => void (s.monitoring.thresholds = { serviceCpuPercent: 150 }),
    "stage.monitoring.thresholds.serviceCpuPercent",
    /from 50 to 100/,
  ],
  [
    "latency as a string with a unit",
    (_c, s) => void (s.monitoring.thresholds = { p99LatencyMs: "2s" as Any }),
    "stage.monitoring.thresholds.p99LatencyMs",
    /whole number of milliseconds/,
  ],
  [
    "free-storage alarm above the database's size",
    (_c, s) => void (s.monitoring.thresholds = { databaseFreeStorageGiB: 20 }),
    "stage.monitoring.thresholds.databaseFreeStorageGiB",
    /below database\.allocatedStorageGiB \(20\)/,
  ],
  [
    "misspelt threshold",
    (_c, s) => void (s.monitoring.thresholds = { api5xxRatePercnt: 5 } as Any),
    "stage.monitoring.thresholds.api5xxRatePercnt",
    /did you mean "api5xxRatePercent"/,
  ],
  [
    "migration command as one string",
    (_c, s) => void ((s as Any).migration = { command: "npm run migrate" }),
    "stage.migration.command",
    /list of arguments/,
  ],
  [
    "migration timeout of 0 minutes",
    (_c, s) => void (s.migration = { command: ["npm", "run", "migrate"], timeoutMinutes: 0 }),
    "stage.migration.timeoutMinutes",
    /from 1 to 120/,
  ],
  // values AWS rejects at apply (issue 21, class 3)
  [
    "a PostgreSQL minor RDS does not have",
    (_c, s) => void (s.database.engineVersion = "16.99"),
    "stage.database.engineVersion",
    /minor version RDS offers/,
  ],
  [
    "a PostgreSQL major RDS does not have",
    (_c, s) => void (s.database.engineVersion = "25"),
    "stage.database.engineVersion",
    /major version RDS offers/,
  ],
  [
    "PostgreSQL 13 after RDS standard support",
    (_c, s) => void (s.database.engineVersion = "13"),
    "stage.database.engineVersion",
    /Extended Support/,
  ],
  ["a VPC in Docker's range", (_c, s) => void (s.network.vpcCidr = "172.17.0.0/16"), "stage.network.vpcCidr", /AWS says not to use/],
  [
    "a VPC in public address space",
    (_c, s) => void (s.network.vpcCidr = "8.8.0.0/16"),
    "stage.network.vpcCidr",
    /not private address space/,
  ],
  [
    "a VPC in the link-local range",
    (_c, s) => void (s.network.vpcCidr = "169.254.0.0/16"),
    "stage.network.vpcCidr",
    /not private address space/,
  ],
  // valid alone, wrong together or for production (issue 21, class 6)
  [
    "a CPU alarm at the autoscaling target",
    (_c, s) => void (s.monitoring.thresholds = { serviceCpuPercent: 60 }),
    "stage.monitoring.thresholds.serviceCpuPercent",
    /above service\.cpuTargetPercent \(60\)/,
  ],
  [
    "a freeable-memory alarm above the instance's memory",
    (_c, s) => void (s.monitoring.thresholds = { databaseFreeableMemoryMiB: 2048 }),
    "stage.monitoring.thresholds.databaseFreeableMemoryMiB",
    /db\.t4g\.micro \(1024 MiB.*always fires/,
  ],
  [
    "a connections alarm above what the instance allows",
    (_c, s) => void (s.monitoring.thresholds = { databaseConnections: 150 }),
    "stage.monitoring.thresholds.databaseConnections",
    /below the 112 connections a db\.t4g\.micro allows at most.*never fires/,
  ],
  ["one image kept", (_c, s) => void (s.service.keepImages = 1), "stage.service.keepImages", /rollback needs the one before/],
  ["production logs kept a day", (_c, _s, p) => void (p.service.logRetentionDays = 1), "prod.service.logRetentionDays", /at least 30 days/],
  [
    "production flow logs kept a week",
    (_c, _s, p) => void (p.network.flowLogRetentionDays = 7),
    "prod.network.flowLogRetentionDays",
    /at least 30 days/,
  ],
  [
    "a plain-HTTP reason beside https",
    (_c, s) => void (s.loadBalancer.https = { domainName: "api.stage.example.com", certificateArn: CERT("eu-west-1") }),
    "stage.loadBalancer.httpOnlyReason",
    /is ignored: loadBalancer\.https is set/,
  ],
  [
    "a migration timeout without a command",
    (_c, s) => void (s.migration = { command: [], timeoutMinutes: 10 }),
    "stage.migration.timeoutMinutes",
    /is ignored: migration\.command is empty/,
  ],
  [
    "the documentation's subscriber in production in a real account",
    (c) => {
      // Real-looking accounts (not the documentation's), prod in its own as the shipped layout has it.
      c.project.accountId = "111122223333";
      c.project.accounts = [{ accountId: "444455556666" }];
      for (const e of c.environments) if (e.accountId) e.accountId = "444455556666";
      for (const e of c.environments) if (e.tier === "production") e.monitoring.subscribers = ["oncall@example.com"];
    },
    "prod.monitoring.subscribers[0]",
    /documentation's placeholder/,
  ],
  // the configuration file written as code rather than data (issue 21, class 5)
  ["a value that is a function", (_c, s) => void ((s.service as Any).cpu = () => 256), "stage.service.cpu", /is a function/],
  ["a BigInt", (_c, s) => void ((s.service as Any).cpu = BigInt(256)), "stage.service.cpu", /BigInt; write 256/],
  ["NaN from a calculation", (_c, s) => void (s.service.minCount = Number.NaN), "stage.service.minCount", /is NaN/],
  ["an infinite number", (_c, s) => void (s.service.maxCount = Number.POSITIVE_INFINITY), "stage.service.maxCount", /infinite/],
  ["a symbol", (_c, s) => void ((s as Any).name = Symbol("stage")), "environments[0].name", /symbol/],
  ["a Date", (_c, s) => void ((s.database as Any).engineVersion = new Date(0)), "stage.database.engineVersion", /is a Date/],
  ["a BigInt in a misspelt setting", (_c, s) => void ((s.service as Any).cpus = BigInt(1)), "stage.service.cpus", /BigInt/],
  [
    "a getter that throws",
    (_c, s) =>
      void Object.defineProperty(s.network, "azCount", {
        enumerable: true,
        get() {
          throw new Error("boom");
        },
      }),
    "stage.network.azCount",
    /could not be read \(boom\)/,
  ],
  ["a section that refers to itself", (_c, s) => void ((s.site as Any).self = s.site), "stage.site.self", /refers to itself/],
  // GitHub environments and waivers
  [
    "reviewer name with a space",
    (_c, _s, p) => void (p.github.requiredReviewers = ["not a user"]),
    "prod.github.requiredReviewers[0]",
    /GitHub user name/,
  ],
  [
    "seven reviewers",
    (_c, _s, p) => void (p.github.requiredReviewers = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]),
    "prod.github.requiredReviewers",
    /at most 6/,
  ],
  ["prod without reviewers", (_c, _s, p) => void (p.github.requiredReviewers = []), "prod.github.requiredReviewers", /acceptedRisks/],
  [
    "waiver of a guardrail that holds",
    (_c, _s, p) => void p.acceptedRisks!.push({ setting: "database.multiAz", reason: "we used to run single-AZ" }),
    "prod.acceptedRisks[1].setting",
    /remove the accepted risk/,
  ],
  [
    "waiver that names no guardrail",
    (_c, _s, p) => void p.acceptedRisks!.push({ setting: "database.encryption", reason: "because we can" }),
    "prod.acceptedRisks[1].setting",
    /not a production guardrail/,
  ],
  [
    "waiver without a reason",
    (_c, _s, p) => void (p.acceptedRisks![0].reason = "ok"),
    "prod.acceptedRisks[0].reason",
    /why the risk is accepted/,
  ],
  [
    "waiver in a non-production environment",
    (_c, s) => void (s.acceptedRisks = [{ setting: "database.multiAz", reason: "stage is cheap on purpose" }]),
    "stage.acceptedRisks[0].setting",
    /waives nothing/,
  ],
  [
    "the same waiver twice",
    (_c, _s, p) => void p.acceptedRisks!.push({ ...p.acceptedRisks![0] }),
    "prod.acceptedRisks[1].setting",
    /accepted twice/,
  ],
];

/** Every file below a directory (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("bad configuration is refused before anything is written", () => {
  it("covers at least 60 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES)("%s", (_what, change, setting, fix) => {
    const config = sampleConfig() as Config;
    change(config, config.environments[0] as Env, config.environments[1] as Env);
    const outdir = join(mkdtempSync(join(tmpdir(), "bad-input-")), "cdktf.out");
    const app = new App({ outdir });

    // As main.ts and every npm script run it: runCommand prints a user error's message and sets exit code 1.
    let error: unknown;
    const printed: string[] = [];
    const exitCode = process.exitCode;
    try {
      runCommand(
        () => {
          try {
            buildPlatform(app, config as PlatformConfig);
            app.synth();
          } catch (e) {
            error = e;
            throw e;
          }
        },
        { write: (text) => printed.push(text) },
      );
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = exitCode;
    }
    expect(error).toBeInstanceOf(ConfigError);
    // The message alone, no stack trace: a header line, then one line per problem (here, one).
    expect(printed.join("").trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^Invalid platform configuration \(1 problem\):$/),
      `  - ${formatProblem((error as ConfigError).problems[0])}`,
    ]);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.setting)).toEqual([setting]);
    const line = formatProblem(problems[0]);
    expect(line).not.toContain("\n");
    expect(line.startsWith(`${setting} `)).toBe(true);
    expect(problems[0].fix).toMatch(fix);
    // cdktf's App makes the (empty) directories; no file may be written into them.
    expect(filesUnder(outdir)).toEqual([]);
  });
});
