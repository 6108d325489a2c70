package storetest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// migrationName is how a migration file is named in every dialect:
// a four-digit number, an underscore, a lower-case name, ".sql".
var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9]+(?:_[a-z0-9]+)*\.sql$`)

// CheckMigrationNames checks one dialect's migration file names: each is
// NNNN_name.sql, and the numbers run 0001, 0002, … with none twice and
// none missing. A runner that records applied versions would silently
// skip the second of two files with one number, and a gap filled later
// would be applied after newer migrations.
func CheckMigrationNames(names []string) error {
	numbers, err := migrationNumbers(names)
	if err != nil {
		return err
	}
	for i, n := range numbers {
		if n != i+1 {
			return fmt.Errorf("migrations are numbered %v; want 1 to %d, each once", numbers, len(numbers))
		}
	}
	return nil
}

// CheckMigrationsAlike checks that two dialects' migrations are numbered
// alike: each passes CheckMigrationNames, and the same number has the
// same name in both, so one schema version means the same in either.
func CheckMigrationsAlike(a, b []string) error {
	for _, names := range [][]string{a, b} {
		if err := CheckMigrationNames(names); err != nil {
			return err
		}
	}
	sa, sb := slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	if !slices.Equal(sa, sb) {
		return fmt.Errorf("the dialects' migrations differ: %v and %v", sa, sb)
	}
	return nil
}

// migrationNumbers returns the numbers of names, sorted, or the first
// name that is not NNNN_name.sql.
func migrationNumbers(names []string) ([]int, error) {
	numbers := make([]int, 0, len(names))
	for _, name := range names {
		m := migrationName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.sql (four digits, lower-case name)", name)
		}
		n, _ := strconv.Atoi(m[1]) // four digits always parse
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	return numbers, nil
}
