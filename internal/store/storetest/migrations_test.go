package storetest

import (
	"strings"
	"testing"
)

func TestCheckMigrationNames(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string // "" when the list is good, else part of the error
	}{
		{[]string{"0002_b.sql", "0001_init.sql"}, ""},
		{nil, ""},
		{[]string{"0001_init.sql", "0001_other.sql"}, "each once"},
		{[]string{"0001_init.sql", "0003_c.sql"}, "each once"},
		{[]string{"0002_b.sql"}, "each once"},
		{[]string{"1_init.sql"}, "NNNN_name.sql"},
		{[]string{"0001-init.sql"}, "NNNN_name.sql"},
		{[]string{"0001_Init.sql"}, "NNNN_name.sql"},
		{[]string{"0001_init.txt"}, "NNNN_name.sql"},
		{[]string{"0001_.sql"}, "NNNN_name.sql"},
	} {
		err := CheckMigrationNames(c.names)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v: %v, want %q", c.names, err, c.want)
		}
	}
}

func TestCheckMigrationsAlike(t *testing.T) {
	a := []string{"0001_init.sql", "0002_blobs.sql"}
	if err := CheckMigrationsAlike(a, []string{"0002_blobs.sql", "0001_init.sql"}); err != nil {
		t.Fatal(err)
	}
	if err := CheckMigrationsAlike(a, []string{"0001_init.sql", "0002_files.sql"}); err == nil {
		t.Fatal("a migration named differently in one dialect passed")
	}
	if err := CheckMigrationsAlike(a, a[:1]); err == nil {
		t.Fatal("a migration missing from one dialect passed")
	}
}
