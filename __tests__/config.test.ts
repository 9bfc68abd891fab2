import { Naming } from "../config/naming";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { ConfigError, validate } from "../config/validate";
import { sampleConfig } from "./support/sample";

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** The shipped config with one change applied: each test breaks exactly one setting. */
function withChange(change: (c: Mutable<PlatformConfig>) => void): PlatformConfig {
  const config = sampleConfig() as Mutable<PlatformConfig>;
  change(config);
  return config as PlatformConfig;
}
const stage = (c: Mutable<PlatformConfig>) => c.environments[0] as Mutable<EnvironmentConfig>;
const prod = (c: Mutable<PlatformConfig>) => c.environments[1] as Mutable<EnvironmentConfig>;

function problems(config: PlatformConfig): string {
  try {
    validate(config);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("validate() accepted the config");
}

describe("the shipped configuration", () => {
  it("is valid", () => {
    expect(() => validate(sampleConfig())).not.toThrow();
  });

  it("differs between stage and prod only in named knobs, with prod the resilient one", () => {
    const [s, p] = sampleConfig().environments;
    expect([s.tier, p.tier]).toEqual(["non-production", "production"]);
    expect([s.network.natGateways, p.network.natGateways]).toEqual(["single", "perAz"]);
    expect([s.database.multiAz, p.database.multiAz]).toEqual([false, true]);
    expect([s.database.deletionProtection, p.database.deletionProtection]).toEqual([false, true]);
  });
});

describe("validate", () => {
  it("lists every problem at once, each with setting, value and fix", () => {
    const message = problems(
      withChange((c) => {
        c.project.accountId = "1234";
        c.project.region = "europe";
      }),
    );
    expect(message).toMatch(/2 problems/);
    expect(message).toContain('project.accountId "1234" must be the 12-digit AWS account id; use e.g. "123456789012"');
    expect(message).toContain('project.region "europe" is not an AWS region name; use e.g. "eu-west-1"');
  });

  it("accepts every commercial AWS region name form", () => {
    for (const region of ["us-east-1", "ap-southeast-2", "mx-central-1", "eu-central-2", "il-central-1"]) {
      expect(() => validate(withChange((c) => void (c.project.region = region)))).not.toThrow();
    }
  });
});

describe("project rules", () => {
  it("rejects a malformed account id", () => {
    expect(problems(withChange((c) => void (c.project.accountId = "12345678901a")))).toMatch(
      /project\.accountId "12345678901a" must be the 12-digit/,
    );
  });

  it("rejects an unknown region format", () => {
    expect(problems(withChange((c) => void (c.project.region = "eu-west")))).toMatch(/project\.region "eu-west" is not an AWS region/);
  });

  it.each([["Acme"], ["a"], ["acme_platform"], ["-acme"], ["acme-"], ["ac--me"], ["xn-acme"], ["acme.platform"]])(
    "rejects a project name that does not fit S3 bucket naming: %s",
    (name) => {
      expect(problems(withChange((c) => void (c.project.name = name)))).toMatch(
        /project\.name ".*" (must be 3-20 lowercase letters|may not hold "--"|starts with a prefix S3 reserves)/,
      );
    },
  );

  it("keeps the longest valid project name's state bucket within S3's 63 characters", () => {
    const config = withChange((c) => {
      c.project.name = "abcdefghijklmnopqrst";
      c.project.region = "ap-southeast-2";
      c.environments = c.environments.map((e) => ({ ...e, name: `${e.name.slice(0, 2)}x` }));
      if (c.previews) c.previews = { ...c.previews, host: "stx" };
    });
    expect(() => validate(config)).not.toThrow();
    expect(new Naming(config.project).stateBucket.length).toBeLessThanOrEqual(63);
  });

  it("rejects a missing GitHub owner", () => {
    expect(problems(withChange((c) => void (c.project.github.owner = "")))).toMatch(
      /project\.github\.owner "" must be a GitHub user or organisation/,
    );
  });

  it("rejects a missing GitHub repo", () => {
    expect(problems(withChange((c) => void (c.project.github.repo = "")))).toMatch(
      /project\.github\.repo "" must be a GitHub repository name/,
    );
  });

  it("rejects a GitHub owner with a wildcard", () => {
    expect(problems(withChange((c) => void (c.project.github.owner = "acme*")))).toMatch(/project\.github\.owner "acme\*"/);
  });

  it("rejects a default branch with a wildcard", () => {
    expect(problems(withChange((c) => void (c.project.github.defaultBranch = "release/*")))).toMatch(
      /project\.github\.defaultBranch "release\/\*" must be a plain branch name/,
    );
  });

  it("rejects an existing OIDC provider ARN of another account or URL", () => {
    expect(
      problems(
        withChange(
          (c) =>
            void (c.project.github.existingOidcProviderArn = "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"),
        ),
      ),
    ).toMatch(/existingOidcProviderArn .* must be the GitHub OIDC provider of this account, "arn:aws:iam::123456789012:oidc-provider/);
  });

  it("rejects an out-of-range noncurrent version expiry", () => {
    expect(problems(withChange((c) => void (c.project.bootstrap = { noncurrentVersionExpirationDays: 0 })))).toMatch(
      /noncurrentVersionExpirationDays 0 must be a whole number of days from 1 to 3650/,
    );
  });

  it("rejects an empty required check name", () => {
    expect(problems(withChange((c) => void (c.project.github.requiredCheck = " ")))).toMatch(/requiredCheck " " must name the CI job/);
  });

  it("rejects a repository id that is not a string of digits", () => {
    const ids = withChange((c) => void Object.assign(c.project.github, { repositoryId: "R_kgDOabc", ownerId: "90000002" }));
    expect(problems(ids)).toMatch(
      /project\.github\.repositoryId "R_kgDOabc" must be the numeric id as a string of digits; find it with gh api .* --jq \.id/,
    );
  });

  it("rejects an owner id given as a number rather than a string of digits", () => {
    const ids = withChange((c) => void Object.assign(c.project.github, { repositoryId: "700000001", ownerId: 90000002 }));
    expect(problems(ids)).toMatch(
      /project\.github\.ownerId 90000002 must be the numeric id as a string of digits; find it with gh api .* --jq \.owner\.id/,
    );
  });

  it("rejects one of the two ids without the other", () => {
    const onlyRepository = withChange((c) => void Object.assign(c.project.github, { repositoryId: "700000001" }));
    expect(problems(onlyRepository)).toMatch(
      /project\.github\.repositoryId\/ownerId \{"repositoryId":"700000001"\} set both ids \(trust by immutable ids; gh api .*\) or neither/,
    );
    const onlyOwner = withChange((c) => void Object.assign(c.project.github, { ownerId: "90000002" }));
    expect(problems(onlyOwner)).toMatch(/project\.github\.repositoryId\/ownerId \{"ownerId":"90000002"\} set both ids/);
  });

  it("accepts both ids as strings of digits", () => {
    expect(() =>
      validate(withChange((c) => void Object.assign(c.project.github, { repositoryId: "700000001", ownerId: "90000002" }))),
    ).not.toThrow();
  });

  it("rejects an empty list of platform owners", () => {
    expect(problems(withChange((c) => void (c.project.github.platformOwners = [])))).toMatch(
      /project\.github\.platformOwners \[\] must name at least one code owner of the platform; use e\.g\. \["@acme\/platform-owners"\]/,
    );
  });

  it("rejects a platform owner that is not @user or @org/team", () => {
    for (const owner of ["acme", "@acme/", "@acme/platform owners"]) {
      expect(problems(withChange((c) => void (c.project.github.platformOwners = ["@acme/platform-owners", owner])))).toContain(
        `project.github.platformOwners[1] ${JSON.stringify(owner)} is not a GitHub user ("@name") or team ("@org/team"); use ` +
          `e.g. "@acme/platform-owners"`,
      );
    }
  });
});

describe("environment rules", () => {
  it("rejects no environments", () => {
    expect(problems(withChange((c) => void (c.environments = [])))).toMatch(/environments \[\] must define at least one environment/);
  });

  it("rejects duplicate environment names", () => {
    expect(problems(withChange((c) => void (prod(c).name = "stage")))).toMatch(/environments\[\]\.name "stage" is defined twice/);
  });

  it("rejects a reserved environment name", () => {
    expect(problems(withChange((c) => void (stage(c).name = "bootstrap")))).toMatch(/"bootstrap" is reserved for a stack of its own/);
  });

  it("rejects a malformed environment name", () => {
    expect(problems(withChange((c) => void (stage(c).name = "Stage-1")))).toMatch(
      /environments\[0\]\.name "Stage-1" must be 2-10 lowercase letters/,
    );
  });

  it("rejects a resource prefix too long for load balancer names", () => {
    expect(
      problems(
        withChange((c) => {
          c.project.name = "acme-platform-team-x";
          stage(c).name = "stagingabc";
        }),
      ),
    ).toMatch(/makes the load balancer name "acme-platform-team-x-stagingabc-api", which is 35 characters long/);
  });

  it("rejects an unknown tier", () => {
    expect(problems(withChange((c) => void ((stage(c) as any).tier = "dev")))).toMatch(
      /stage\.tier "dev" must be "production" or "non-production"/,
    );
  });
});

describe("network rules", () => {
  it("rejects a malformed CIDR", () => {
    expect(problems(withChange((c) => void (stage(c).network.vpcCidr = "10.0.0.0/33")))).toMatch(
      /stage\.network\.vpcCidr "10\.0\.0\.0\/33" is not a valid IPv4 CIDR; use e\.g\. "10\.10\.0\.0\/16"/,
    );
  });

  it("rejects a CIDR with host bits set", () => {
    expect(problems(withChange((c) => void (stage(c).network.vpcCidr = "10.10.1.0/16")))).toMatch(/"10\.10\.1\.0\/16" has host bits set/);
  });

  it("rejects a VPC larger than /16 or smaller than /22", () => {
    expect(problems(withChange((c) => void (stage(c).network.vpcCidr = "10.0.0.0/8")))).toMatch(/must be a \/16 to \/22/);
    expect(problems(withChange((c) => void (stage(c).network.vpcCidr = "10.10.0.0/24")))).toMatch(/must be a \/16 to \/22/);
  });

  it("rejects overlapping environment CIDRs", () => {
    expect(problems(withChange((c) => void (prod(c).network.vpcCidr = "10.10.128.0/20")))).toMatch(
      /prod\.network\.vpcCidr "10\.10\.128\.0\/20" overlaps stage\.network\.vpcCidr "10\.10\.0\.0\/16"/,
    );
  });

  it("rejects fewer than two availability zones", () => {
    expect(problems(withChange((c) => void (stage(c).network.azCount = 1)))).toMatch(/stage\.network\.azCount 1 must be 2, 3 or 4/);
  });

  it("rejects an unknown NAT mode", () => {
    expect(problems(withChange((c) => void ((stage(c).network as any).natGateways = "none")))).toMatch(
      /stage\.network\.natGateways "none" must be "single" or "perAz"/,
    );
  });

  it("rejects a flow log retention CloudWatch does not offer", () => {
    expect(problems(withChange((c) => void (stage(c).network.flowLogRetentionDays = 10)))).toMatch(
      /stage\.network\.flowLogRetentionDays 10 must be one of CloudWatch's retention values/,
    );
  });
});

describe("service rules", () => {
  it("rejects a CPU size Fargate does not offer", () => {
    expect(problems(withChange((c) => void (stage(c).service.cpu = 300)))).toMatch(/stage\.service\.cpu 300 must be a Fargate CPU size/);
  });

  it("rejects memory that does not fit the CPU size", () => {
    expect(problems(withChange((c) => void (stage(c).service.memoryMiB = 4096)))).toMatch(
      /stage\.service\.memoryMiB 4096 is not a Fargate memory size for 256 CPU units; use one of 512, 1024, 2048/,
    );
  });

  it("rejects a desired count outside the autoscaling bounds", () => {
    expect(problems(withChange((c) => void (prod(c).service.desiredCount = 8)))).toMatch(
      /prod\.service\.desiredCount 8 must lie within the autoscaling bounds minCount\.\.maxCount \(2\.\.6\)/,
    );
  });

  it("rejects a maximum below the minimum", () => {
    expect(problems(withChange((c) => void (prod(c).service.maxCount = 1)))).toMatch(
      /prod\.service\.maxCount 1 must be a whole number from minCount \(2\) to 100/,
    );
  });

  it("rejects a minimum of zero tasks", () => {
    expect(problems(withChange((c) => void (stage(c).service.minCount = 0)))).toMatch(
      /stage\.service\.minCount 0 must be a whole number from 1 to 100/,
    );
  });

  it("rejects a CPU target outside 10-90 percent", () => {
    expect(problems(withChange((c) => void (stage(c).service.cpuTargetPercent = 95)))).toMatch(/stage\.service\.cpuTargetPercent 95/);
  });

  it("rejects a log retention CloudWatch does not offer", () => {
    expect(problems(withChange((c) => void (stage(c).service.logRetentionDays = 0)))).toMatch(/stage\.service\.logRetentionDays 0/);
  });

  it("rejects keeping no images", () => {
    expect(problems(withChange((c) => void (stage(c).service.keepImages = 0)))).toMatch(
      /stage\.service\.keepImages 0 must be a whole number from 1 to 1000/,
    );
  });
});

describe("load balancer rules", () => {
  it("rejects plain HTTP without a stated reason", () => {
    expect(problems(withChange((c) => void delete stage(c).loadBalancer.httpOnlyReason))).toMatch(
      /stage\.loadBalancer\.httpOnlyReason \(missing\) must say why this environment serves plain HTTP/,
    );
  });

  it("rejects a certificate from another region than the load balancer's", () => {
    expect(
      problems(
        withChange(
          (c) =>
            void (stage(c).loadBalancer.https = {
              domainName: "api.example.com",
              certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc",
            }),
        ),
      ),
    ).toMatch(/stage\.loadBalancer\.https\.certificateArn .* must be an ACM certificate ARN in eu-west-1/);
  });

  it("rejects a malformed API domain", () => {
    expect(
      problems(
        withChange(
          (c) =>
            void (stage(c).loadBalancer.https = {
              domainName: "https://api.example.com",
              certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc",
            }),
        ),
      ),
    ).toMatch(/stage\.loadBalancer\.https\.domainName "https:\/\/api\.example\.com" is not a domain name/);
  });
});

describe("database rules", () => {
  it("rejects an unsupported engine version", () => {
    expect(problems(withChange((c) => void (stage(c).database.engineVersion = "12.4")))).toMatch(
      /stage\.database\.engineVersion "12\.4" must be a supported PostgreSQL version/,
    );
  });

  it("rejects a malformed instance class", () => {
    expect(problems(withChange((c) => void (stage(c).database.instanceClass = "t4g.micro")))).toMatch(
      /stage\.database\.instanceClass "t4g\.micro" is not an RDS instance class/,
    );
  });

  it("rejects storage below 20 GiB", () => {
    expect(problems(withChange((c) => void (stage(c).database.allocatedStorageGiB = 10)))).toMatch(
      /stage\.database\.allocatedStorageGiB 10/,
    );
  });

  it("rejects a storage autoscaling ceiling not above the initial size", () => {
    expect(problems(withChange((c) => void (stage(c).database.maxAllocatedStorageGiB = 20)))).toMatch(
      /stage\.database\.maxAllocatedStorageGiB 20 must be larger than allocatedStorageGiB \(20\)/,
    );
  });

  it("rejects backups kept fewer than 7 days", () => {
    expect(problems(withChange((c) => void (stage(c).database.backupRetentionDays = 1)))).toMatch(
      /stage\.database\.backupRetentionDays 1 must be a whole number of days from 7 to 35/,
    );
  });

  it("rejects a database named postgres", () => {
    expect(problems(withChange((c) => void (stage(c).database.databaseName = "postgres")))).toMatch(
      /stage\.database\.databaseName "postgres"/,
    );
  });
});

describe("site rules", () => {
  it("rejects an unknown price class", () => {
    expect(problems(withChange((c) => void ((stage(c).site as any).priceClass = "PriceClass_50")))).toMatch(
      /stage\.site\.priceClass "PriceClass_50"/,
    );
  });

  it("rejects a malformed site domain", () => {
    const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc";
    expect(problems(withChange((c) => void (stage(c).site.domain = { domainName: "not a domain", certificateArn })))).toMatch(
      /stage\.site\.domain\.domainName "not a domain" is not a domain name; use e\.g\. "www\.example\.com"/,
    );
  });

  it("rejects a site certificate outside us-east-1", () => {
    expect(
      problems(
        withChange(
          (c) =>
            void (stage(c).site.domain = {
              domainName: "www.example.com",
              certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc",
            }),
        ),
      ),
    ).toMatch(/stage\.site\.domain\.certificateArn .* must be an ACM certificate ARN in us-east-1/);
  });
});

describe("GitHub environment rules", () => {
  it("rejects a malformed reviewer name", () => {
    expect(problems(withChange((c) => void (prod(c).github.requiredReviewers = ["not a user"])))).toMatch(
      /prod\.github\.requiredReviewers\[0\] "not a user" is not a GitHub user name/,
    );
  });

  it("rejects more than six reviewers", () => {
    expect(problems(withChange((c) => void (prod(c).github.requiredReviewers = ["a", "b", "c", "d", "e", "f", "g"])))).toMatch(
      /may list at most 6 reviewers/,
    );
  });
});

describe("production guardrails", () => {
  it.each([
    ["database.multiAz", (e: Mutable<EnvironmentConfig>) => void (e.database.multiAz = false)],
    ["database.deletionProtection", (e: Mutable<EnvironmentConfig>) => void (e.database.deletionProtection = false)],
    ["database.backupRetentionDays", (e: Mutable<EnvironmentConfig>) => void (e.database.backupRetentionDays = 7)],
    ["loadBalancer.deletionProtection", (e: Mutable<EnvironmentConfig>) => void (e.loadBalancer.deletionProtection = false)],
    ["loadBalancer.accessLogs", (e: Mutable<EnvironmentConfig>) => void (e.loadBalancer.accessLogs = false)],
    ["network.natGateways", (e: Mutable<EnvironmentConfig>) => void (e.network.natGateways = "single")],
    ["github.requiredReviewers", (e: Mutable<EnvironmentConfig>) => void (e.github.requiredReviewers = [])],
  ])("rejects prod without %s unless the risk is accepted with a reason", (setting, weaken) => {
    const weakened = withChange((c) => weaken(prod(c)));
    expect(problems(weakened)).toContain(`prod.${setting} `);
    expect(problems(weakened)).toContain(`or list "${setting}" in prod.acceptedRisks with a reason`);
    const accepted = withChange((c) => {
      weaken(prod(c));
      prod(c).acceptedRisks = [...(prod(c).acceptedRisks ?? []), { setting, reason: "a documented, reviewed exception" }];
    });
    expect(() => validate(accepted)).not.toThrow();
  });

  it("rejects prod without HTTPS when the risk is not accepted", () => {
    expect(problems(withChange((c) => void (prod(c).acceptedRisks = [])))).toMatch(
      /prod\.loadBalancer\.https \(missing\) must be set in production/,
    );
  });

  it("rejects an environment named prod whose tier would skip them", () => {
    expect(problems(withChange((c) => void (prod(c).tier = "non-production")))).toMatch(
      /prod\.tier "non-production" must be "production" for an environment named prod/,
    );
  });

  it("does not apply to non-production environments", () => {
    expect(sampleConfig().environments[0].database.multiAz).toBe(false);
    expect(() => validate(sampleConfig())).not.toThrow();
  });

  it("rejects an accepted risk without a reason", () => {
    expect(problems(withChange((c) => void (prod(c).acceptedRisks = [{ setting: "loadBalancer.https", reason: "" }])))).toMatch(
      /prod\.acceptedRisks\[0\]\.reason "" must say why/,
    );
  });

  it("rejects an accepted risk that names no guardrail", () => {
    expect(
      problems(
        withChange(
          (c) => void (prod(c).acceptedRisks = [...prod(c).acceptedRisks!, { setting: "database.encryption", reason: "because we can" }]),
        ),
      ),
    ).toMatch(/prod\.acceptedRisks\[1\]\.setting "database\.encryption" is not a production guardrail/);
  });
});
