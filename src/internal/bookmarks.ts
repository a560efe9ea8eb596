/**
 * The in-memory bookmark manager (`Neo4jBookmarks.makeBookmarkManager`) with a synchronous side:
 * the driver reads and updates a manager it knows to be in memory without an effect on every
 * `executeQuery` (two steps each way); any other manager is asked through its effects.
 */
import * as Effect from "effect/Effect"
import type { BookmarkManager } from "../Neo4jBookmarks.ts"

/** The state of an in-memory manager, read and written synchronously. */
export interface InMemoryBookmarks {
  readonly get: () => ReadonlyArray<string>
  readonly update: (previous: ReadonlyArray<string>, next: ReadonlyArray<string>) => void
}

const inMemory = new WeakMap<BookmarkManager, InMemoryBookmarks>()

/** A new in-memory manager, seeded with `initial`. */
export const make = (initial: ReadonlyArray<string>): BookmarkManager => {
  const bookmarks = new Set(initial)
  const state: InMemoryBookmarks = {
    get: () => Array.from(bookmarks),
    update: (previous, next) => {
      if (next.length === 0) return
      for (const b of previous) bookmarks.delete(b)
      for (const b of next) bookmarks.add(b)
    }
  }
  const manager: BookmarkManager = {
    getBookmarks: Effect.sync(state.get),
    updateBookmarks: (previous, next) => Effect.sync(() => state.update(previous, next))
  }
  inMemory.set(manager, state)
  return manager
}

/** The synchronous side of `manager` when it is an in-memory one made by {@link make}. */
export const synchronous = (manager: BookmarkManager): InMemoryBookmarks | undefined => inMemory.get(manager)
