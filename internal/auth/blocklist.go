package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// blocklistData is the list of common passwords shipped in the binary;
// its header names its source and licence.
//
//go:embed blocklist.txt
var blocklistData string

var (
	blockOnce sync.Once
	blockSet  map[string]struct{}
)

func blocklist() map[string]struct{} {
	blockOnce.Do(func() {
		blockSet = make(map[string]struct{}, 20000)
		for _, line := range strings.Split(blocklistData, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			blockSet[fold(line)] = struct{}{}
		}
	})
	return blockSet
}

// BlocklistLen is the number of passwords in the shipped blocklist.
func BlocklistLen() int { return len(blocklist()) }

// blocked reports whether the folded password is a common one, as it is
// or once the digits and symbols padded around it are taken off
// ("iloveyou2026!" is "iloveyou").
func blocked(folded string) bool {
	set := blocklist()
	if _, ok := set[folded]; ok {
		return true
	}
	core := strings.TrimFunc(folded, func(r rune) bool { return !isLetter(r) })
	if core == folded || len([]rune(core)) < 6 {
		return false
	}
	_, ok := set[core]
	return ok
}
