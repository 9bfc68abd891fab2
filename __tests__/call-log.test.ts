import { authorizationsOf, type RawCall } from "../emulator/call-log";

/** The call log's derivation on calls written by hand: the cases a sequential emulator run cannot produce. */
describe("the call log's authorizations of one request", () => {
  const vpc = "arn:aws:ec2:eu-west-1:210987654321:vpc/vpc-1";
  const flowLog = "arn:aws:ec2:eu-west-1:210987654321:vpc-flow-log/fl-1";
  const subnet = "arn:aws:ec2:eu-west-1:210987654321:subnet/subnet-9";
  const createFlowLogs: RawCall = {
    service: "ec2",
    operation: "CreateFlowLogs",
    method: "POST",
    account: "210987654321",
    region: "eu-west-1",
    params: { "ResourceId.1": "vpc-1", ResourceType: "VPC" },
    targets: [{ arn: vpc, tags: {} }],
    // Terraform created a subnet in parallel: it appeared during the request, which did not name it.
    created: [
      { arn: flowLog, tags: {} },
      { arn: subnet, tags: {} },
    ],
  };

  it("authorizes a create on what it creates and names, not on an object a parallel request created meanwhile", async () => {
    const resources = (await authorizationsOf(createFlowLogs)).filter((c) => c.action === "ec2:CreateFlowLogs").map((c) => c.resource);
    expect(resources.sort()).toEqual([vpc, flowLog].sort());
  });

  it("still takes an object the request names even when it is of an optional type and new", async () => {
    const named: RawCall = { ...createFlowLogs, params: { ...createFlowLogs.params, "ResourceId.2": "subnet-9" }, targets: [] };
    const resources = (await authorizationsOf(named)).filter((c) => c.action === "ec2:CreateFlowLogs").map((c) => c.resource);
    expect(resources).toContain(flowLog);
  });

  it("authorizes a request that creates nothing on what it names only: a key another request created meanwhile is not its", async () => {
    const key = (id: string) => `arn:aws:kms:eu-west-1:123456789012:key/${id}`;
    const tags = { Environment: "stage" };
    // Terraform enables rotation of one key while it creates another: the new key appears during the request.
    const enable: RawCall = {
      service: "kms",
      operation: "EnableKeyRotation",
      method: "POST",
      account: "123456789012",
      region: "eu-west-1",
      params: { KeyId: "key-a" },
      targets: [{ arn: key("key-a"), tags }],
      created: [{ arn: key("key-b"), tags: {} }],
    };
    expect((await authorizationsOf(enable)).map((c) => [c.action, c.resource, c.resourceTags])).toEqual([
      ["kms:EnableKeyRotation", key("key-a"), tags],
    ]);
  });
});
