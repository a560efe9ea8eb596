/**
 * Bookmarks and the bookmark manager: causal consistency across sessions. A session starts its
 * work after the bookmarks it was given; a bookmark manager collects the bookmarks of every
 * session that uses it, so work in one session observes what another committed.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as InMemory from "./internal/bookmarks.ts"

/**
 * Tracks the latest bookmarks of the sessions that share it.
 *
 * @since 0.1.0
 * @category models
 */
export interface BookmarkManager {
  /** The bookmarks a new transaction must wait for. */
  readonly getBookmarks: Effect.Effect<ReadonlyArray<string>>
  /** Replaces the bookmarks a transaction started from with the one it produced. */
  readonly updateBookmarks: (
    previous: ReadonlyArray<string>,
    next: ReadonlyArray<string>
  ) => Effect.Effect<void>
}

/**
 * An in-memory bookmark manager, optionally seeded with initial bookmarks.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBookmarkManager = (initial: ReadonlyArray<string> = []): BookmarkManager => InMemory.make(initial)

/**
 * The driver-wide bookmark manager that `executeQuery` uses (and sessions that ask for it). When a
 * layer provides it, the driver uses that one; otherwise it makes its own.
 *
 * @since 0.1.0
 * @category services
 */
export class DefaultBookmarkManager extends Context.Service<DefaultBookmarkManager, BookmarkManager>()(
  "effect-neo4j/Neo4jBookmarks/DefaultBookmarkManager"
) {}

/**
 * An in-memory default bookmark manager as a layer (share it between drivers, or seed it).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (initial: ReadonlyArray<string> = []): Layer.Layer<DefaultBookmarkManager> =>
  Layer.sync(DefaultBookmarkManager, () => makeBookmarkManager(initial))
