/** Helpers for reading synthesized Terraform JSON in tests. */

export interface SynthesizedTerraform {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; description?: string; sensitive?: boolean }>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
}

export function parse(synthesized: string): SynthesizedTerraform {
  return JSON.parse(synthesized) as SynthesizedTerraform;
}

/** Every resource of one type, by logical id. */
export function resources<T = Record<string, any>>(tf: SynthesizedTerraform, type: string): Record<string, T> {
  return (tf.resource?.[type] ?? {}) as Record<string, T>;
}

/** The only resource of a type; fails the test when there is not exactly one. */
export function only<T = Record<string, any>>(tf: SynthesizedTerraform, type: string): T {
  const all = Object.values(resources<T>(tf, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** Logical ids (addresses without the type) of a resource type. */
export function addresses(tf: SynthesizedTerraform, type: string): string[] {
  return Object.keys(resources(tf, type)).map((id) => `${type}.${id}`);
}
