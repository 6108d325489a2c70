package connection

import "sync"

// grantKeyMemo keeps a Live's GrantKey: its document does not change once
// opened, and package oauth compares the key with the stored token row on
// every request (it is JSON, built from the oauth2 object).
type grantKeyMemo struct {
	once sync.Once
	key  string
}

// GrantKey is l.Doc.GrantKey(), computed once per Live.
func (l *Live) GrantKey() string {
	l.grantKey.once.Do(func() { l.grantKey.key = l.Doc.GrantKey() })
	return l.grantKey.key
}
