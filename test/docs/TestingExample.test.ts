// Runs the README's fake-driver snippet: examples/docs/testing.ts registers its tests on import.
import "../../examples/docs/testing.ts"
