package auth

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// blocklistData is the list of common passwords shipped in the binary;
// its header names its source and licence. The entries are lower-case
// ASCII, which NFKC and case folding leave as they are.
//
//go:embed blocklist.txt
var blocklistData string

var (
	blockOnce sync.Once
	// blockList holds the entries sorted, as substrings of blocklistData:
	// a slice of 20,000 string headers (320 KB) rather than a map that
	// would copy and hash every entry.
	blockList []string
)

func blocklist() []string {
	blockOnce.Do(func() {
		for _, line := range strings.Split(blocklistData, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			blockList = append(blockList, line)
		}
		slices.Sort(blockList)
		blockList = slices.Compact(blockList)
	})
	return blockList
}

// BlocklistLen is the number of passwords in the shipped blocklist.
func BlocklistLen() int { return len(blocklist()) }

func inBlocklist(folded string) bool {
	_, ok := slices.BinarySearch(blocklist(), folded)
	return ok
}

// blocked reports whether the folded password is a common one, as it is
// or once the digits and symbols padded around it are taken off
// ("iloveyou2026!" is "iloveyou").
func blocked(folded string) bool {
	if inBlocklist(folded) {
		return true
	}
	core := strings.TrimFunc(folded, func(r rune) bool { return !isLetter(r) })
	if core == folded || len([]rune(core)) < 6 {
		return false
	}
	return inBlocklist(core)
}
