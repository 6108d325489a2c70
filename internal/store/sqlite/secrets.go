package sqlite

import (
	"context"
	"fmt"
)

// ResealSecrets re-encrypts every sealed secret in one writer transaction.
// Neither updated_at nor a recipe's version changes: a new key is not an
// edit. The function may run twice (see writeFunc): it assigns its count.
func (s *Store) ResealSecrets(ctx context.Context, reseal func(old []byte) ([]byte, error)) (int, error) {
	var n int
	err := s.writer.do(func(t *txn) error {
		n = 0
		for _, table := range []string{"connections", "recipes"} {
			type row struct {
				id      string
				secrets []byte
			}
			rs, err := t.query(ctx, `SELECT id, secrets FROM `+table+` WHERE secrets IS NOT NULL AND length(secrets) > 0`)
			if err != nil {
				return fmt.Errorf("read %s: %w", table, err)
			}
			var all []row
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.id, &r.secrets); err != nil {
					rs.Close()
					return err
				}
				all = append(all, r)
			}
			if err := rs.Err(); err != nil {
				rs.Close()
				return err
			}
			rs.Close()
			for _, r := range all {
				sealed, err := reseal(r.secrets)
				if err != nil {
					return fmt.Errorf("%s %s: %w", table, r.id, err)
				}
				if _, err := t.exec(ctx, `UPDATE `+table+` SET secrets = ? WHERE id = ?`, sealed, r.id); err != nil {
					return fmt.Errorf("update %s %s: %w", table, r.id, err)
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
