import { Testing } from "cdktf";

// Registers cdktf's matchers (toHaveResourceWithProperties, toBeValidTerraform, ...) on jest's expect.
Testing.setupJest();
