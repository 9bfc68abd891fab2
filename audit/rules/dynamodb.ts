import { block, isTrue } from "../terraform";
import { fail, pass, type Rule } from "../types";

const TABLE = "aws_dynamodb_table";

export const dynamodbPitr: Rule = {
  id: "DYNAMODB-PITR",
  rationale: "A table can be restored to any second of the last 35 days after a bad write or delete.",
  controls: ["DynamoDB.2", "CKV_AWS_28"],
  appliesTo: [TABLE],
  check(table) {
    return isTrue(block(table.body.point_in_time_recovery)?.enabled)
      ? pass("point-in-time recovery is on")
      : fail("point-in-time recovery is off; set point_in_time_recovery { enabled = true }");
  },
};

export const dynamodbSse: Rule = {
  id: "DYNAMODB-SSE",
  rationale: "A table is encrypted with a KMS key the account controls and audits, not the AWS-owned default.",
  controls: ["CKV_AWS_119"],
  appliesTo: [TABLE],
  check(table) {
    const sse = block(table.body.server_side_encryption);
    if (!isTrue(sse?.enabled)) {
      return fail("uses the AWS-owned key; set server_side_encryption { enabled = true } (with kms_key_arn for a customer key)");
    }
    return pass(sse?.kms_key_arn ? "encrypted with a customer-managed KMS key" : "encrypted with the AWS-managed KMS key");
  },
};

export const dynamodbDeletionProtection: Rule = {
  id: "DYNAMODB-DELETION-PROTECTION",
  rationale: "A table cannot be deleted by a stray destroy or API call until protection is turned off.",
  controls: ["DynamoDB.6"],
  appliesTo: [TABLE],
  check(table) {
    return isTrue(table.body.deletion_protection_enabled)
      ? pass("deletion protection is on")
      : fail("deletion protection is off; set deletion_protection_enabled = true");
  },
};

export const DYNAMODB_RULES: readonly Rule[] = [dynamodbPitr, dynamodbSse, dynamodbDeletionProtection];
