import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import { version } from "../src/index.ts"

it.effect("package exposes its version", () =>
  Effect.sync(() => {
    assert.strictEqual(version, "0.1.0")
  }))
