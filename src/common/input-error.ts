/** One bad field of an input: where (a path into the input), a stable code, and why. */
export interface FieldError {
  path: string;
  code: string;
  message: string;
}

/** Input that fails validation; the GraphQL layer turns it into BAD_USER_INPUT with every field error. */
export class InputError extends Error {
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}
