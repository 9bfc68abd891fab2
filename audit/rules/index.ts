import { costPricedRule, resourceTypeCoverageRule } from "../coverage";
import type { Rule } from "../types";
import { ALB_RULES } from "./alb";
import { CLOUDFRONT_RULES } from "./cloudfront";
import { DYNAMODB_RULES } from "./dynamodb";
import { ECS_RULES } from "./ecs";
import { IAM_RULES } from "./iam";
import { ISOLATION_RULES } from "./isolation";
import { MONITORING_RULES } from "./monitoring";
import { QUEUE_RULES } from "./queues";
import { RDS_RULES } from "./rds";
import { S3_RULES } from "./s3";
import { STACK_RULES } from "./stack";
import { VPC_RULES } from "./vpc";

/** The rules that judge resources, in report order. */
export const JUDGING_RULES: readonly Rule[] = [
  ...S3_RULES,
  ...DYNAMODB_RULES,
  ...IAM_RULES,
  ...ISOLATION_RULES,
  ...VPC_RULES,
  ...ECS_RULES,
  ...QUEUE_RULES,
  ...ALB_RULES,
  ...RDS_RULES,
  ...CLOUDFRONT_RULES,
  ...MONITORING_RULES,
  ...STACK_RULES,
];

/** What nothing above judges, prices or draws fails here (audit/coverage.ts). */
const COVERAGE_RULES: readonly Rule[] = [resourceTypeCoverageRule(JUDGING_RULES), costPricedRule];

/** Every rule the audit runs, in report order. */
export const ALL_RULES: readonly Rule[] = [...JUDGING_RULES, ...COVERAGE_RULES];

export {
  ALB_RULES,
  CLOUDFRONT_RULES,
  COVERAGE_RULES,
  DYNAMODB_RULES,
  ECS_RULES,
  IAM_RULES,
  ISOLATION_RULES,
  MONITORING_RULES,
  QUEUE_RULES,
  RDS_RULES,
  S3_RULES,
  STACK_RULES,
  VPC_RULES,
};
