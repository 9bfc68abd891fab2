/**
 * What the preview role may write of its host environment (and of prod, where prod shares the account):
 * every write the fence test (__tests__/preview-role.test.ts) finds allowed on the host's resources, each
 * with why it is there. The test asserts the measured list equals this one, so a widened grant fails it;
 * the README prints it (README "The preview role").
 */
import type { CrossEnvironmentWrite } from "./one-account-writes";

/** The fence's kind for a preview's site files: objects under `previews/pr-<n>/` of the host's site bucket. */
export const PREVIEW_SITE_OBJECT = "S3 object under previews/pr-*/ of the host's site bucket";

const PREVIEW_SITE_REASON =
  "a preview's static site goes under previews/pr-<n>/ of the host's site bucket, served by the host's distribution " +
  "(no distribution per preview): uploaded on deploy, deleted with every version on destroy, and excluded from the " +
  "host's own upload. IAM cannot tell one preview's prefix from another's (previews/pr-*), and no object of the host's own is reached";

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
  { action: "s3:DeleteObject", kind: PREVIEW_SITE_OBJECT, reason: PREVIEW_SITE_REASON },
  { action: "s3:DeleteObjectVersion", kind: PREVIEW_SITE_OBJECT, reason: PREVIEW_SITE_REASON },
  { action: "s3:PutObject", kind: PREVIEW_SITE_OBJECT, reason: PREVIEW_SITE_REASON },
];
