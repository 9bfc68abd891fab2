/** Helpers for reading the IAM roles and policies of a synthesized bootstrap in tests. */
import { resources, type SynthesizedTerraform } from "./synth";

export type Statement = {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: any;
  Principal?: any;
};
export type PolicyDocument = { Statement: Statement[] };

/** An IAM field that is a string or a list of strings, as a list. */
export const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The role named so, its trust policy and its inline policy; fails the test when there is no such role. */
export function roleNamed(tf: SynthesizedTerraform, name: string): { role: any; trust: PolicyDocument; policy: PolicyDocument } {
  const [id, role] = Object.entries(resources(tf, "aws_iam_role")).find(([, r]) => r.name === name) ?? [];
  if (!role) throw new Error(`no role ${name}`);
  const inline = Object.values(resources(tf, "aws_iam_role_policy")).find((p) => p.role === `\${aws_iam_role.${id}.id}`);
  return { role, trust: JSON.parse(role.assume_role_policy), policy: JSON.parse(inline!.policy) };
}

/** The Allow statements whose actions include this one, literally. */
export const allows = (policy: PolicyDocument, action: string): Statement[] =>
  policy.Statement.filter((s) => s.Effect === "Allow" && asList(s.Action).includes(action));

/** The managed policy (e.g. a workload boundary) named so, parsed. */
export function managedPolicyNamed(tf: SynthesizedTerraform, name: string): { policy: any; document: PolicyDocument } {
  const policy = Object.values(resources(tf, "aws_iam_policy")).find((p) => p.name === name);
  if (!policy) throw new Error(`no managed policy ${name}`);
  return { policy, document: JSON.parse(policy.policy) };
}

/** What would let a deploy role make a role an outside account may assume, or lift a role over its boundary. */
export const ROLE_AND_TRUST_CHANGES = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:AttachRolePolicy",
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
];
