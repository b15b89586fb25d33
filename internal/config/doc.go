// Package config holds the settings of one renrakucho process: one Config
// value, filled by Load from defaults, a JSON file, RENRAKUCHO_*
// environment variables and command-line flags, in rising order of
// precedence, and checked by Validate.
//
// Every setting has one name used three ways: as the flag (--session-idle),
// as the key in the JSON file ("session-idle") and, upper-cased with
// underscores and prefixed, as the environment variable
// (RENRAKUCHO_SESSION_IDLE). demo-password is also accepted as --password,
// the spelling the design fixes. Every error names the flag and the variable, so
// an operator can fix whichever one they used.
//
// The package keeps no state: the environment arrives as a function and
// the result is a plain value the caller passes on.
package config
