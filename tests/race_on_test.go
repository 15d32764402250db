//go:build race

package tests

// raceEnabled is true in a -race build, where the property test runs on a
// shorter time budget.
const raceEnabled = true
