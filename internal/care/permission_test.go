package care

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestPermissionTableDocumented keeps the user manual's permission table
// (docs/user-manual.md) equal to the one in the code.
func TestPermissionTableDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/user-manual.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-z._]+)` \\|[^|]*\\| ([a-z_, ]+) \\| (はい|いいえ) \\|$")
	doc := map[Action]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := row.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			doc[Action(m[1])] = canon(strings.Split(m[2], ","), m[3] == "はい")
		}
	}
	for _, p := range Permissions() {
		roles := make([]string, len(p.Roles))
		for i, r := range p.Roles {
			roles[i] = string(r)
		}
		want := canon(roles, p.Console)
		got, ok := doc[p.Action]
		switch {
		case !ok:
			t.Errorf("docs/user-manual.md: no row for %s (%s)", p.Action, want)
		case got != want:
			t.Errorf("docs/user-manual.md: %s is documented as %s, the code says %s", p.Action, got, want)
		}
		delete(doc, p.Action)
	}
	for act := range doc {
		t.Errorf("docs/user-manual.md documents %s, which the code does not have", act)
	}
}

func canon(roles []string, console bool) string {
	for i := range roles {
		roles[i] = strings.TrimSpace(roles[i])
	}
	sort.Strings(roles)
	s := strings.Join(roles, ",")
	if console {
		s += " (console)"
	}
	return s
}
