/**
 * What the preview role may write of its host environment (and of prod, where prod shares the account):
 * every write the fence test (__tests__/preview-role.test.ts) finds allowed on the host's resources, each
 * with why it is there. The test asserts the measured list equals this one, so a widened grant fails it;
 * the README prints it (README "The preview role").
 */
import type { CrossEnvironmentWrite } from "./one-account-writes";

export const PREVIEW_FENCE_EXCEPTIONS: readonly CrossEnvironmentWrite[] = [
  {
    action: "ec2:CreateSecurityGroup",
    kind: "aws_vpc",
    reason:
      "a preview's security group is made in the host's VPC; IAM authorises the call on the VPC too, and the VPC's own " +
      "id is not known to the bootstrap. It adds a group (tagged Environment=preview) and changes nothing of the VPC",
  },
  {
    action: "ecs:DeregisterTaskDefinition",
    kind: "account-wide",
    reason:
      'IAM authorises it on "*" only (no task definition named, no tag sent), and a preview\'s destroy deregisters its ' +
      "revisions: running tasks keep running, a new deployment of the host fails until it registers a revision again",
  },
  {
    action: "elasticloadbalancing:CreateRule",
    kind: "aws_lb_listener",
    reason:
      "each preview's rule on the host's listener (its priority is 10000 up, clear of the host's own rules), created " +
      "only with the tag Environment=preview, which it alone may then change or delete",
  },
];
