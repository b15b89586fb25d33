package store

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The store's first wall is that every statement over a tenant table names
// tenant_id. This test reads the package's own source and holds every SQL
// statement in it to that.
//
// Merely containing "tenant_id" is not enough: most SELECTs here list
// tenant_id among their columns (facilityColumns, userColumns), so a query
// that lost its "tenant_id = ?" condition would still pass. A statement
// therefore scopes the tenant when tenant_id is compared after WHERE or ON,
// or, for an INSERT, when tenant_id is one of the inserted columns. That is
// still coarse (one tenant_id condition satisfies a join of two tenant
// tables; "OR tenant_id = ?" would pass), but it fails on the careless edit.

// platformTables hold no tenant's rows, or (client_certs) only point at
// one; they are reached through PlatformTx and are not bound to a tenant.
var platformTables = []string{"tenants", "operators", "operator_sessions", "client_certs", "schema_migrations", "job_leases",
	"login_attempts", "mail_outbox"}

var (
	// sqlStart recognises a literal that begins a statement, or the FROM
	// clause that follows a column list. UPDATE, INSERT and DELETE must
	// have their statement's shape, so that a message such as
	// "update users" is not taken for SQL.
	sqlStart = regexp.MustCompile(`(?i)^(SELECT\b|WITH\b|FROM\s|INSERT\s+INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s)`)
	// sqlFrom recognises a literal that holds a FROM clause mid-way, such as
	// the tail of a statement built from a column list constant.
	sqlFrom = regexp.MustCompile(`(?i)\sFROM\s`)
	// tableAfter finds the table named after INTO, UPDATE or JOIN.
	tableAfter = regexp.MustCompile(`(?i)\b(?:INTO|UPDATE|JOIN)\s+([a-z_][a-z0-9_.]*)`)
	// fromList finds a FROM list: "FROM a x, b AS y, c".
	// insertColumns finds the column list of an INSERT.
	insertColumns = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+[a-z_][a-z0-9_.]*\s*\(([^)]*)\)`)
	// conditions finds where a statement's conditions begin.
	conditions = regexp.MustCompile(`(?i)\b(WHERE|ON)\b`)
	// tenantCondition finds tenant_id compared with something.
	tenantCondition = regexp.MustCompile(`(?i)\btenant_id\s*(=|IN\b)|=\s*([a-z_][a-z0-9_]*\.)?tenant_id\b`)
	// tenantColumn finds tenant_id as a column name.
	tenantColumn = regexp.MustCompile(`(?i)\btenant_id\b`)
	fromList     = regexp.MustCompile(`(?i)\bFROM\s+([a-z_][a-z0-9_.]*(?:\s+(?:AS\s+)?[a-z_][a-z0-9_]*)?(?:\s*,\s*[a-z_][a-z0-9_.]*(?:\s+(?:AS\s+)?[a-z_][a-z0-9_]*)?)*)`)
)

// isSQL says whether a string is (part of) a SQL statement.
func isSQL(s string) bool {
	return sqlStart.MatchString(strings.TrimSpace(s)) || sqlFrom.MatchString(s)
}

// tablesNamed returns the tables a statement names, lower-cased and without
// a schema prefix.
func tablesNamed(stmt string) []string {
	var out []string
	add := func(name string) {
		name = strings.ToLower(name)
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = name[i+1:]
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, m := range tableAfter.FindAllStringSubmatch(stmt, -1) {
		add(m[1])
	}
	for _, m := range fromList.FindAllStringSubmatch(stmt, -1) {
		for _, item := range strings.Split(m[1], ",") {
			add(strings.Fields(item)[0])
		}
	}
	return out
}

// scopesTenant says whether a statement constrains tenant_id: inserts it,
// or compares it in a WHERE or ON condition.
func scopesTenant(stmt string) bool {
	if m := insertColumns.FindStringSubmatch(stmt); m != nil {
		return tenantColumn.MatchString(m[1])
	}
	loc := conditions.FindStringIndex(stmt)
	return loc != nil && tenantCondition.MatchString(stmt[loc[0]:])
}

// unscopedTenantTables returns the tenant tables a SQL statement names
// without constraining tenant_id; nil if the statement is fine or is not
// SQL at all.
func unscopedTenantTables(stmt string, tenantTables map[string]bool) []string {
	if !isSQL(stmt) || scopesTenant(stmt) {
		return nil
	}
	var bad []string
	for _, t := range tablesNamed(stmt) {
		if tenantTables[t] {
			bad = append(bad, t)
		}
	}
	return bad
}

// sqlString is a string the source spells, with where it is.
type sqlString struct {
	pos  token.Position
	text string
}

// stringsOf returns every string in the files: each literal, and each
// concatenation whose parts are literals or string constants, evaluated
// whole ("SELECT " + userColumns + " FROM users …"). Where a concatenation
// involves a variable its constant parts are returned one by one, which can
// only make the check stricter.
func stringsOf(fset *token.FileSet, files []*ast.File) []sqlString {
	// Every string constant, package-level or local, by name.
	consts := map[string]ast.Expr{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if d, ok := n.(*ast.GenDecl); ok && d.Tok == token.CONST {
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							consts[name.Name] = vs.Values[i]
						}
					}
				}
			}
			return true
		})
	}
	var eval func(e ast.Expr, depth int) (string, bool)
	eval = func(e ast.Expr, depth int) (string, bool) {
		if depth > 50 {
			return "", false
		}
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.ParenExpr:
			return eval(e.X, depth+1)
		case *ast.Ident:
			if v, ok := consts[e.Name]; ok {
				return eval(v, depth+1)
			}
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return "", false
			}
			x, ok := eval(e.X, depth+1)
			if !ok {
				return "", false
			}
			y, ok := eval(e.Y, depth+1)
			return x + y, ok
		}
		return "", false
	}
	var out []sqlString
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				return false
			case *ast.BasicLit, *ast.BinaryExpr:
				if s, ok := eval(n.(ast.Expr), 0); ok {
					out = append(out, sqlString{pos: fset.Position(n.Pos()), text: s})
					return false
				}
			}
			return true
		})
	}
	return out
}

// parsePackage parses the non-test Go files of dir.
func parsePackage(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// tenantTablesOf migrates a scratch SQLite database and returns the tables
// that have a tenant_id column, less the platform tables.
func tenantTablesOf(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "lint.db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.write.QueryContext(ctx, `SELECT m.name, EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'tenant_id')
		FROM sqlite_schema m WHERE m.type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	all := map[string]bool{}
	tenant := map[string]bool{}
	for rows.Next() {
		var name string
		var hasTenant bool
		if err := rows.Scan(&name, &hasTenant); err != nil {
			t.Fatal(err)
		}
		all[name] = true
		if hasTenant && !slices.Contains(platformTables, name) {
			tenant[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, p := range platformTables {
		if !all[p] {
			t.Errorf("platform table %s no longer exists: update platformTables", p)
		}
	}
	if !tenant["users"] || !tenant["facilities"] {
		t.Fatalf("tenant tables %v lack users or facilities: the inspection is broken", tenant)
	}
	return tenant
}

func TestSQLNamesTenant(t *testing.T) {
	tenant := tenantTablesOf(t)
	fset, files := parsePackage(t, ".")
	statements := 0
	for _, s := range stringsOf(fset, files) {
		if !isSQL(s.text) {
			continue
		}
		statements++
		if bad := unscopedTenantTables(s.text, tenant); bad != nil {
			t.Errorf("%s:%d: statement over tenant table %s without a tenant_id condition:\n\t%s",
				filepath.Base(s.pos.Filename), s.pos.Line, strings.Join(bad, ", "), strings.Join(strings.Fields(s.text), " "))
		}
	}
	// Guard against a broken extractor passing vacuously.
	if statements < 20 {
		t.Fatalf("found only %d SQL statements in the store: the extractor is broken", statements)
	}
}

func TestUnscopedTenantTables(t *testing.T) {
	tenant := map[string]bool{"users": true, "facilities": true, "sessions": true, "user_facilities": true, "audit_log": true}
	tests := []struct {
		name string
		stmt string
		want []string
	}{
		{"ErrSelect", `SELECT * FROM users WHERE id = ?`, []string{"users"}},
		{"OK", `SELECT * FROM users WHERE tenant_id = ? AND id = ?`, nil},
		{"ErrTenantOnlySelected", `SELECT id, tenant_id FROM users WHERE id = ?`, []string{"users"}},
		{"ErrTenantOnlySet", `UPDATE users SET tenant_id = ? WHERE id = ?`, []string{"users"}},
		{"ErrInsertSelectsTenant", `INSERT INTO sessions (id) SELECT tenant_id FROM users WHERE id = ?`, []string{"sessions", "users"}},
		{"OKInsert", `INSERT INTO users (tenant_id, id) VALUES (?, ?)`, nil},
		{"OKJoin", `SELECT 1 FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id WHERE s.tenant_id = ?`, nil},
		{"OKIn", `DELETE FROM sessions WHERE tenant_id IN (?, ?)`, nil},
		{"OKReversed", `SELECT 1 FROM users u WHERE ? = u.tenant_id`, nil},
		{"ErrLowerCase", "delete from sessions\n\twhere id = ?", []string{"sessions"}},
		{"ErrInsert", `INSERT INTO audit_log (id, action) VALUES (?, ?)`, []string{"audit_log"}},
		{"ErrUpdate", `UPDATE facilities SET name = ? WHERE id = ?`, []string{"facilities"}},
		{"ErrJoin", `SELECT t.id FROM tenants t JOIN users u ON u.id = t.id`, []string{"users"}},
		{"ErrCommaList", `SELECT 1 FROM tenants t, user_facilities uf WHERE uf.user_id = t.id`, []string{"user_facilities"}},
		{"ErrSchemaPrefix", `SELECT 1 FROM main.users`, []string{"users"}},
		{"ErrTail", "\n\t\tFROM users WHERE login_id = ?", []string{"users"}},
		{"ErrTailNoSpace", "FROM users WHERE login_id = ?", []string{"users"}},
		{"OKPlatform", `SELECT id FROM tenants WHERE slug = ?`, nil},
		{"OKNotSQL", `list users`, nil},
		{"OKMessage", `update users`, nil},
		{"OKNotATable", `SELECT EXTRACT(YEAR FROM at) FROM tenants`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unscopedTenantTables(tt.stmt, tenant)
			sort.Strings(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("unscopedTenantTables(%q) = %v, want %v", tt.stmt, got, tt.want)
			}
		})
	}
}

// TestStringsOf checks that statements built from constants are seen whole,
// with their place in the source, so the lint judges what actually runs.
func TestStringsOf(t *testing.T) {
	dir := t.TempDir()
	src := `package x

const cols = "id, name"
const from = " FROM users"

func f(id string) {
	q("SELECT " + cols + from + " WHERE id = ?")
	q("SELECT " + cols + (" FROM users WHERE tenant_id = ?"))
	q("UPDATE users SET login_id = '" + id + "' WHERE id = ?")
}
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	fset, files := parsePackage(t, dir)
	tenant := map[string]bool{"users": true}
	var got []string
	for _, s := range stringsOf(fset, files) {
		if unscopedTenantTables(s.text, tenant) != nil {
			got = append(got, strconv.Itoa(s.pos.Line)+": "+s.text)
		}
	}
	want := []string{
		"4:  FROM users", // the constant itself, as well as its use
		"7: SELECT id, name FROM users WHERE id = ?",
		"9: UPDATE users SET login_id = '",
	}
	if !slices.Equal(got, want) {
		t.Errorf("flagged:\n%q\nwant:\n%q", got, want)
	}
}
