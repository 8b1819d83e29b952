/**
 * The failures the store produces, as core's `LogtoError` classes with Logto's exact codes,
 * messages and `data`, plus the bodiless 500 Logto answers for a few database errors.
 */
import { LogtoError } from "@orgkit/core"

const { body, codes } = LogtoError

/** Logto's 500: `{"message":"Internal server error."}` without a code. */
export class InternalError {
  readonly _tag = "InternalError"
  readonly body = { message: "Internal server error." } as const
}

export const internal = (): InternalError => new InternalError()

export const foreignKey = () => new LogtoError.UnprocessableEntity(body(codes.foreignKeyNotFound))
export const unique = () => new LogtoError.UnprocessableEntity(body(codes.uniqueViolation))
export const constraint = () => new LogtoError.UnprocessableEntity(body(codes.constraintViolated))
export const requireMembership = () => new LogtoError.UnprocessableEntity(body(codes.requireMembership))
export const invalidInput = () => new LogtoError.UnprocessableEntity(body(codes.entityInvalidInput))
export const tooLong = (max: number) =>
  new LogtoError.UnprocessableEntity(
    body(codes.valueTooLong, undefined, { message: `value too long for type character varying(${max})` })
  )
export const roleNamesNotFound = (names: ReadonlyArray<string>) =>
  new LogtoError.UnprocessableEntity(LogtoError.roleNamesNotFound(names))
export const notFound = () => new LogtoError.NotFound(body(codes.notFound))
export const notExists = () => new LogtoError.NotFound(body(codes.notExists))
export const notExistsWithId = (id: string) => new LogtoError.NotFound(LogtoError.notExistsWithId(id))
export const limitExceeded = () =>
  new LogtoError.Forbidden(body("subscription.limit_exceeded", "You have reached the limit of your subscription plan."))

/** The failure types of store operations. */
export type Failure = LogtoError.NotFound | LogtoError.UnprocessableEntity | LogtoError.Forbidden | InternalError
