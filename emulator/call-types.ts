/** The shapes of the emulator's call log and of the authorizations call-log.ts derives from it. */

/** One line of the emulator's call log. */
export interface RawCall {
  readonly service: string;
  readonly operation: string;
  readonly method?: string;
  readonly account: string;
  readonly region: string;
  readonly params: Record<string, string>;
  readonly motoResource?: string;
  readonly targets: readonly LoggedObject[];
  readonly created: readonly LoggedObject[];
  readonly error?: string;
  /** The emulator's HTTP status. */
  readonly status?: number | null;
}

/** An object of the emulator's state a request named or created. */
export interface LoggedObject {
  readonly arn: string;
  readonly tags: Record<string, string>;
  readonly permissionsBoundary?: string;
  readonly kmsKey?: string;
  readonly hashKey?: string;
  /** A task definition's task and execution roles. */
  readonly roles?: readonly string[];
  /** The request's parameters that name it (`GroupId`, `IpPermissions.1.Groups.1.GroupId`). */
  readonly params?: readonly string[];
}

/** One authorization AWS makes, as the proof evaluates it. */
export interface AuthorizedCall {
  readonly account: string;
  readonly region: string;
  /** `service:Action` as IAM names it. */
  readonly action: string;
  /** The ARN authorized, `*` for an action that accepts no resource. */
  readonly resource: string;
  /** Request context beyond tags (`s3:prefix`, `iam:PassedToService`, `aws:RequestedRegion`...). */
  readonly context: Record<string, string | string[]>;
  readonly resourceTags?: Record<string, string>;
  readonly requestTags?: Record<string, string>;
  /** The request it comes from (`ecs:CreateService`), and for an implicit check why AWS makes it. */
  readonly request: string;
  readonly implicit?: string;
  /** ARN variables no parameter or object of the emulator gave (filled with `*`). */
  readonly unresolved?: true;
  /** Why the client carries on when AWS refuses this call (see TOLERATED_DENIALS). */
  readonly tolerated?: string;
}

/** An authorization of a deploy, as the end-to-end suite records it (`audit.out/recorded-calls.json`). */
export interface RecordedCall extends AuthorizedCall {
  /** The stack whose phase made the call (`stage`, `bootstrap`...). */
  readonly stack: string;
  /** `plan`, `image-push`, `apply`, `migration`, `re-plan`, `update`, `destroy`, `bootstrap`. */
  readonly phase: string;
}
