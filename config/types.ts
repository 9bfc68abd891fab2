/**
 * The configuration's types, inferred from the one schema (config/schema.ts and the section files
 * it assembles, schema-*.ts), where every setting is documented. Plain data, no behaviour:
 * `validate()` checks it, `Naming` derives names from it, `app.ts` turns it into stacks.
 */
import type { z } from "zod";
import type {
  AcceptedRiskSchema,
  AccountSchema,
  BootstrapSchema,
  DatabaseSchema,
  DomainSchema,
  EnvironmentSchema,
  GithubEnvironmentSchema,
  GithubSchema,
  JobSchema,
  LoadBalancerSchema,
  MigrationSchema,
  MonitoringSchema,
  MonitoringThresholdsSchema,
  NetworkSchema,
  PlatformSchema,
  PreviewDomainSchema,
  PreviewServiceSchema,
  PreviewsSchema,
  ProjectSchema,
  ServiceSchema,
  SiteSchema,
  WorkerSchema,
} from "./schema";

export type DomainConfig = z.infer<typeof DomainSchema>;
export type GithubConfig = z.infer<typeof GithubSchema>;
export type BootstrapConfig = z.infer<typeof BootstrapSchema>;
export type AccountConfig = z.infer<typeof AccountSchema>;
export type ProjectConfig = z.infer<typeof ProjectSchema>;
export type AcceptedRisk = z.infer<typeof AcceptedRiskSchema>;
export type NetworkConfig = z.infer<typeof NetworkSchema>;
export type ServiceConfig = z.infer<typeof ServiceSchema>;
export type LoadBalancerConfig = z.infer<typeof LoadBalancerSchema>;
export type DatabaseConfig = z.infer<typeof DatabaseSchema>;
export type SiteConfig = z.infer<typeof SiteSchema>;
export type GithubEnvironmentConfig = z.infer<typeof GithubEnvironmentSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;
export type PlatformConfig = z.infer<typeof PlatformSchema>;
export type MonitoringThresholds = z.infer<typeof MonitoringThresholdsSchema>;
export type MonitoringConfig = z.infer<typeof MonitoringSchema>;
export type MigrationConfig = z.infer<typeof MigrationSchema>;
export type WorkerConfig = z.infer<typeof WorkerSchema>;
export type JobConfig = z.infer<typeof JobSchema>;
export type PreviewsConfig = z.infer<typeof PreviewsSchema>;
export type PreviewDomainConfig = z.infer<typeof PreviewDomainSchema>;
export type PreviewServiceConfig = z.infer<typeof PreviewServiceSchema>;
