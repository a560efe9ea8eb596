/**
 * The driver's mark on an error it knows may be retried although its code alone does not say so
 * (a writer that stepped down on a routing driver, a security failure the auth token manager
 * handled). Held outside the error objects so the public classes carry no bookkeeping fields; the
 * public `isRetryable` getters read it.
 */
const marked = new WeakSet<object>()

export const markRetryable = <E extends object>(error: E): E => {
  marked.add(error)
  return error
}

export const isMarkedRetryable = (error: object): boolean => marked.has(error)
