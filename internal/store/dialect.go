package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// dialect holds what truly differs between the engines.
type dialect struct {
	name string
	// rebinds caches the PostgreSQL form of each statement.
	rebinds *sync.Map
}

var (
	sqlite   = dialect{name: "sqlite"}
	postgres = dialect{name: "postgres", rebinds: new(sync.Map)}
)

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Statements are
// written with ? and never contain a literal question mark.
func (d dialect) rebind(q string) string {
	if d.rebinds == nil {
		return q
	}
	if v, ok := d.rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	d.rebinds.Store(q, out)
	return out
}

// setScope tells PostgreSQL's row-level security which tenant this
// transaction serves (” for the platform). SQLite has no such wall; there
// the tenant_id in every statement is the only one.
func (d dialect) setScope(ctx context.Context, tx *sql.Tx, tenantID string) error {
	if d.name != "postgres" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenantID); err != nil {
		return fmt.Errorf("store: set tenant scope: %w", err)
	}
	return nil
}

// groupConcat aggregates a column's values into one comma-separated string.
func (d dialect) groupConcat(col string) string {
	if d.name == "postgres" {
		return "string_agg(" + col + ", ',')"
	}
	return "group_concat(" + col + ", ',')"
}
