// Types of the matchers Testing.setupJest() registers.
import "cdktf/lib/testing/adapters/jest";
