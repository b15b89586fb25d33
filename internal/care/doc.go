// Package care holds renrakucho's domain: identifiers, roles and the one
// permission table, the actor on whose behalf a use case runs, validation
// and the error codes every other layer speaks. It does no I/O and imports
// only the standard library.
package care
