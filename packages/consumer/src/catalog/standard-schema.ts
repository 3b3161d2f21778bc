/**
 * The Standard Schema interface (standardschema.dev, v1), which zod 4, valibot and arktype
 * implement. The catalog depends on this shape only, so any of those libraries fits; copying
 * the types (rather than depending on a package) is what the spec recommends.
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type InferInput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['input'];
export type InferOutput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['output'];

/** An issue's path as `a.b[0]`-style text, for error messages. */
export function issuePath(issue: StandardIssue): string | undefined {
  if (!issue.path || issue.path.length === 0) return undefined;
  return issue.path
    .map((p) => (typeof p === 'object' && p !== null ? p.key : p))
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}
