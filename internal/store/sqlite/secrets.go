package sqlite

import (
	"context"
	"fmt"
)

// sealedColumns are every column that holds a secret.Box-sealed value:
// connections' and recipes' secrets, OAuth2 tokens and PKCE verifiers.
var sealedColumns = []struct{ table, key, column string }{
	{"connections", "id", "secrets"},
	{"recipes", "id", "secrets"},
	{"oauth_tokens", "connection_id", "sealed"},
	{"oauth_states", "state", "verifier"},
}

// ResealSecrets re-encrypts every sealed secret in one writer transaction.
// Neither updated_at nor a recipe's version changes: a new key is not an
// edit. The function may run twice (see writeFunc): it assigns its count.
func (s *Store) ResealSecrets(ctx context.Context, reseal func(old []byte) ([]byte, error)) (int, error) {
	var n int
	err := s.writer.do(func(t *txn) error {
		n = 0
		for _, col := range sealedColumns {
			table, key, column := col.table, col.key, col.column
			type row struct {
				id      string
				secrets []byte
			}
			rs, err := t.query(ctx, `SELECT `+key+`, `+column+` FROM `+table+` WHERE `+column+` IS NOT NULL AND length(`+column+`) > 0`)
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
				if _, err := t.exec(ctx, `UPDATE `+table+` SET `+column+` = ? WHERE `+key+` = ?`, sealed, r.id); err != nil {
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
