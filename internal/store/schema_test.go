package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// The two engines' migrations are written twice, by hand. These tests keep
// them from drifting apart: the same files, and the same resulting tables,
// columns, nullability, keys, indexes and foreign keys. Column types are
// not compared: they differ by design (TIMESTAMP versus TIMESTAMPTZ).

// column is one column as both engines describe it.
type column struct {
	Name    string
	NotNull bool
}

func (c column) String() string {
	if c.NotNull {
		return c.Name + " NOT NULL"
	}
	return c.Name
}

// tableSchema is what is compared of one table.
type tableSchema struct {
	Columns []column // in declaration order
	PK      []string // primary key columns, in key order
	// Indexes describes every index: "name(cols)" for one made by CREATE
	// INDEX ("UNIQUE name(cols)" if unique), and "UNIQUE(cols)" for one
	// behind a UNIQUE constraint, whose name is the engine's own. The
	// primary key's index is left out (PK covers it). Sorted.
	Indexes []string
	// ForeignKeys describes each as "cols -> table(cols)". Sorted.
	ForeignKeys []string
}

func TestMigrationFilesMatch(t *testing.T) {
	list := func(engine string) []string {
		entries, err := os.ReadDir("migrations/" + engine)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		return names
	}
	lite, pg := list("sqlite"), list("postgres")
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations found")
	}
	if !slices.Equal(lite, pg) {
		t.Errorf("migration files differ:\n sqlite:   %v\n postgres: %v", lite, pg)
	}
	for _, name := range lite {
		if !strings.HasSuffix(name, ".sql") {
			t.Errorf("migrations/sqlite/%s: not a .sql file, so Migrate would ignore it", name)
		}
	}
}

func TestSchemasMatch(t *testing.T) {
	lite := sqliteSchema(t, storetest.Open(t, "sqlite", nil).RawDB())
	pg := postgresSchema(t, storetest.Open(t, "postgres", nil).RawDB())
	if len(lite) == 0 || len(pg) == 0 {
		t.Fatalf("found %d SQLite and %d PostgreSQL tables: the inspection is broken", len(lite), len(pg))
	}
	for _, name := range tableNames(lite, pg) {
		l, inL := lite[name]
		p, inP := pg[name]
		switch {
		case !inP:
			t.Errorf("table %s exists only in SQLite", name)
			continue
		case !inL:
			t.Errorf("table %s exists only in PostgreSQL", name)
			continue
		}
		if !slices.Equal(l.Columns, p.Columns) {
			t.Errorf("table %s: columns differ:\n sqlite:   %v\n postgres: %v", name, l.Columns, p.Columns)
		}
		if !slices.Equal(l.PK, p.PK) {
			t.Errorf("table %s: primary keys differ: sqlite %v, postgres %v", name, l.PK, p.PK)
		}
		if !reflect.DeepEqual(l.Indexes, p.Indexes) {
			t.Errorf("table %s: indexes differ:\n sqlite:   %v\n postgres: %v", name, l.Indexes, p.Indexes)
		}
		if !reflect.DeepEqual(l.ForeignKeys, p.ForeignKeys) {
			t.Errorf("table %s: foreign keys differ:\n sqlite:   %v\n postgres: %v", name, l.ForeignKeys, p.ForeignKeys)
		}
	}
}

func tableNames(schemas ...map[string]tableSchema) []string {
	var names []string
	for _, s := range schemas {
		for name := range s {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// strings1 runs a query returning one text column per row.
func strings1(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sqliteSchema(t *testing.T, db *sql.DB) map[string]tableSchema {
	t.Helper()
	out := map[string]tableSchema{}
	tables := strings1(t, db, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	for _, table := range tables {
		var ts tableSchema
		// Columns and the primary key.
		rows, err := db.Query(`SELECT name, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			t.Fatal(err)
		}
		pk := map[int]string{}
		for rows.Next() {
			var c column
			var pos int
			if err := rows.Scan(&c.Name, &c.NotNull, &pos); err != nil {
				t.Fatal(err)
			}
			if pos > 0 {
				pk[pos] = c.Name
				// SQLite, unlike PostgreSQL, lets a non-INTEGER primary key
				// column hold NULL unless it says NOT NULL: the migrations
				// must say it.
				if !c.NotNull {
					t.Errorf("sqlite: %s.%s is a primary key column without NOT NULL", table, c.Name)
				}
			}
			ts.Columns = append(ts.Columns, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for i := 1; i <= len(pk); i++ {
			ts.PK = append(ts.PK, pk[i])
		}
		// Indexes.
		rows, err = db.Query(`SELECT name, "unique", origin FROM pragma_index_list(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		type index struct {
			name, origin string
			unique       bool
		}
		var indexes []index
		for rows.Next() {
			var ix index
			if err := rows.Scan(&ix.name, &ix.unique, &ix.origin); err != nil {
				t.Fatal(err)
			}
			indexes = append(indexes, ix)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for _, ix := range indexes {
			cols := strings.Join(strings1(t, db, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix.name), ",")
			switch ix.origin {
			case "pk":
			case "u":
				ts.Indexes = append(ts.Indexes, "UNIQUE("+cols+")")
			default:
				ts.Indexes = append(ts.Indexes, indexDesc(ix.name, ix.unique, cols))
			}
		}
		sort.Strings(ts.Indexes)
		// Foreign keys: one row per column, grouped by id.
		rows, err = db.Query(`SELECT id, "table", "from", COALESCE("to", '') FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
		if err != nil {
			t.Fatal(err)
		}
		type fk struct {
			table    string
			from, to []string
		}
		fks := map[int]*fk{}
		for rows.Next() {
			var id int
			var ref, from, to string
			if err := rows.Scan(&id, &ref, &from, &to); err != nil {
				t.Fatal(err)
			}
			if to == "" {
				t.Errorf("table %s: foreign key on %s names no column; write the referenced columns out", table, from)
			}
			if fks[id] == nil {
				fks[id] = &fk{table: ref}
			}
			fks[id].from = append(fks[id].from, from)
			fks[id].to = append(fks[id].to, to)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for _, f := range fks {
			ts.ForeignKeys = append(ts.ForeignKeys, fkDesc(f.from, f.table, f.to))
		}
		sort.Strings(ts.ForeignKeys)
		out[table] = ts
	}
	return out
}

func postgresSchema(t *testing.T, db *sql.DB) map[string]tableSchema {
	t.Helper()
	out := map[string]tableSchema{}
	tables := strings1(t, db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	for _, table := range tables {
		var ts tableSchema
		rows, err := db.Query(`SELECT column_name, is_nullable = 'NO' FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.Name, &c.NotNull); err != nil {
				t.Fatal(err)
			}
			ts.Columns = append(ts.Columns, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		ts.PK = strings1(t, db, `SELECT k.column_name
			FROM information_schema.table_constraints c
			JOIN information_schema.key_column_usage k
			  ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'
			ORDER BY k.ordinal_position`, table)
		// Indexes, from pg_index: pg_indexes gives names and definitions but
		// not which index stands behind a constraint.
		rows, err = db.Query(`
			SELECT ic.relname, ix.indisunique, ix.indisprimary,
			       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype = 'u'),
			       (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
			        FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
			        JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum)
			FROM pg_index ix
			JOIN pg_class ic ON ic.oid = ix.indexrelid
			JOIN pg_class tc ON tc.oid = ix.indrelid
			JOIN pg_namespace n ON n.oid = tc.relnamespace
			WHERE n.nspname = current_schema() AND tc.relname = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, cols string
			var unique, primary, constraint bool
			if err := rows.Scan(&name, &unique, &primary, &constraint, &cols); err != nil {
				t.Fatal(err)
			}
			switch {
			case primary:
			case constraint:
				ts.Indexes = append(ts.Indexes, "UNIQUE("+cols+")")
			default:
				ts.Indexes = append(ts.Indexes, indexDesc(name, unique, cols))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		sort.Strings(ts.Indexes)
		rows, err = db.Query(`
			SELECT rt.relname,
			       (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
			        FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
			        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
			       (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
			        FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
			        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum)
			FROM pg_constraint c
			JOIN pg_class tc ON tc.oid = c.conrelid
			JOIN pg_class rt ON rt.oid = c.confrelid
			JOIN pg_namespace n ON n.oid = tc.relnamespace
			WHERE n.nspname = current_schema() AND tc.relname = $1 AND c.contype = 'f'`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ref, from, to string
			if err := rows.Scan(&ref, &from, &to); err != nil {
				t.Fatal(err)
			}
			ts.ForeignKeys = append(ts.ForeignKeys, fkDesc(strings.Split(from, ","), ref, strings.Split(to, ",")))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		sort.Strings(ts.ForeignKeys)
		out[table] = ts
	}
	return out
}

func indexDesc(name string, unique bool, cols string) string {
	if unique {
		return "UNIQUE " + name + "(" + cols + ")"
	}
	return name + "(" + cols + ")"
}

func fkDesc(from []string, table string, to []string) string {
	return fmt.Sprintf("%s -> %s(%s)", strings.Join(from, ","), table, strings.Join(to, ","))
}
