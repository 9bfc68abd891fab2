/** The Terraform version CI installs (.github/workflows) and the project is tested with. */
export const TERRAFORM_VERSION = "1.11.4";

/** Oldest Terraform the stacks accept: S3 native state locking (`use_lockfile`) arrived in 1.10. */
export const MIN_TERRAFORM_VERSION = "1.10.0";
