import type { EnvironmentConfig, PlatformConfig } from "./types";

/**
 * The platform's configuration: edit this file to make it yours (project, accounts, region, GitHub
 * repository), then read stage and prod side by side below: every difference between them is here.
 * Stage lives in the project's account, prod in an account of its own.
 */

const stage: EnvironmentConfig = {
  name: "stage",
  tier: "non-production",
  network: { vpcCidr: "10.10.0.0/16", azCount: 2, natGateways: "single", flowLogRetentionDays: 30 },
  service: {
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 1,
    minCount: 1,
    maxCount: 2,
    cpuTargetPercent: 60,
    logRetentionDays: 30,
    keepImages: 20,
  },
  loadBalancer: {
    deletionProtection: false,
    accessLogs: false,
    httpOnlyReason: "stage has no domain: a cheap test environment reached on the load balancer's own name",
  },
  database: {
    engineVersion: "16",
    instanceClass: "db.t4g.micro",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    multiAz: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    performanceInsights: false,
    databaseName: "app",
  },
  site: { priceClass: "PriceClass_100" },
  github: { requiredReviewers: [] },
  monitoring: {
    alarms: true,
    subscribers: ["platform-stage@example.com"],
    // A db.t4g.micro allows about 80 connections: page before it refuses them.
    thresholds: { databaseConnections: 60 },
  },
  migration: { command: ["npm", "run", "migrate"] },
  // The worker and the jobs need the bootstrap's roles: apply the bootstrap before the first deploy that has them.
  worker: {
    command: ["npm", "run", "worker"],
    cpu: 256,
    memoryMiB: 512,
    minCount: 1,
    maxCount: 2,
    messagesPerTask: 100,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
    oldestMessageAlarmSeconds: 900,
  },
  jobs: [{ name: "nightly", schedule: "cron(0 3 * * ? *)", command: ["npm", "run", "nightly"] }],
};

const prod: EnvironmentConfig = {
  name: "prod",
  tier: "production",
  // An account of its own: the account boundary, not only IAM, keeps stage's roles off prod (README "Two layouts").
  accountId: "210987654321",
  network: { vpcCidr: "10.20.0.0/16", azCount: 3, natGateways: "perAz", flowLogRetentionDays: 365 },
  service: {
    cpu: 512,
    memoryMiB: 1024,
    desiredCount: 2,
    minCount: 2,
    maxCount: 6,
    cpuTargetPercent: 60,
    logRetentionDays: 365,
    keepImages: 50,
  },
  loadBalancer: {
    deletionProtection: true,
    accessLogs: true,
    // Set your API domain and its ACM certificate (in the project region), then drop the accepted risk below:
    // https: { domainName: "api.example.com", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/..." },
    httpOnlyReason: "the example configuration owns no domain; set loadBalancer.https before real traffic",
  },
  database: {
    engineVersion: "16",
    instanceClass: "db.t4g.small",
    allocatedStorageGiB: 50,
    maxAllocatedStorageGiB: 500,
    multiAz: true,
    deletionProtection: true,
    backupRetentionDays: 30,
    performanceInsights: true,
    databaseName: "app",
  },
  site: { priceClass: "PriceClass_200" },
  github: { requiredReviewers: ["acme-release-manager"] },
  monitoring: {
    alarms: true,
    // Replace with your on-call rota's address and your paging service's HTTPS integration URL.
    subscribers: ["oncall@example.com"],
    // A db.t4g.small allows about 180 connections; the other thresholds are the production defaults.
    thresholds: { databaseConnections: 150, databaseFreeStorageGiB: 10 },
  },
  migration: { command: ["npm", "run", "migrate"] },
  worker: {
    command: ["npm", "run", "worker"],
    cpu: 256,
    memoryMiB: 512,
    minCount: 2,
    maxCount: 6,
    messagesPerTask: 100,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
    oldestMessageAlarmSeconds: 600,
  },
  jobs: [{ name: "nightly", schedule: "cron(0 3 * * ? *)", command: ["npm", "run", "nightly"], retries: 3 }],
  acceptedRisks: [
    {
      setting: "loadBalancer.https",
      reason: "the example configuration owns no domain; replace with your domain and certificate",
    },
  ],
};

export const platform: PlatformConfig = {
  project: {
    name: "acme",
    accountId: "123456789012",
    region: "eu-west-1",
    github: { owner: "acme", repo: "platform", defaultBranch: "main", platformOwners: ["@acme/platform-owners"] },
    bootstrap: { stateInBucket: false, noncurrentVersionExpirationDays: 90 },
    // prod's account, bootstrapped by a stack of its own (bootstrap-prod): its state bucket, lock table and roles.
    accounts: [{ accountId: "210987654321" }],
  },
  environments: [stage, prod],
  // A preview per pull request inside stage's account (README "Previews"): stage's VPC, load balancer, database
  // server and cluster; at most 3 at once, destroyed 7 days after the last push. No domain: each is a path on stage's
  // load balancer. Remove this section to turn previews off.
  previews: { host: "stage", maxActive: 3, idleDays: 7 },
};
