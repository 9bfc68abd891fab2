import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import type { Construct } from "constructs";
import { environmentAccount, planEnvironmentName } from "../config/naming";
import type { PlatformConfig } from "../config/types";

export interface PlanEnvironmentsProps {
  readonly config: PlatformConfig;
  /** In environments with reviewers, whoever triggered the job may not approve it. */
  readonly preventSelfReview: boolean;
  /** A reviewer's numeric GitHub user id, by user name. */
  readonly userId: (username: string) => number;
}

/**
 * The GitHub environment `plan-<env>` of each platform environment, which the pull-request
 * workflow's plan of that environment runs in and the plan role of its AWS account trusts
 * (planRoleContexts). Its reviewers are those of every environment in the same account: the plan
 * role reads all their state, so when stage shares prod's account, prod's reviewers approve stage's
 * plan too. Any branch may ask (pull requests come from branches); it holds no variable.
 */
export function addPlanEnvironments(scope: Construct, props: PlanEnvironmentsProps): Record<string, RepositoryEnvironment> {
  const { project, environments } = props.config;
  const accountOf = (e: PlatformConfig["environments"][number]) => environmentAccount(project, e);
  return Object.fromEntries(
    environments.map((env) => {
      const names = environments.filter((e) => accountOf(e) === accountOf(env)).flatMap((e) => e.github.requiredReviewers);
      const reviewers = [...new Set(names)].map(props.userId);
      const environment = new RepositoryEnvironment(scope, `plan-environment-${env.name}`, {
        repository: project.github.repo,
        environment: planEnvironmentName(env.name),
        canAdminsBypass: false,
        ...(reviewers.length > 0 && { reviewers: [{ users: reviewers }], preventSelfReview: props.preventSelfReview }),
      });
      return [env.name, environment];
    }),
  );
}
