package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/app"
)

// tokenPrefix makes tokens recognisable to people and secret scanners.
const tokenPrefix = "pb_"

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "create" {
		return &usageError{msg: "token: want \"token create\""}
	}
	var name *string
	cfg, help, err := parseStorageFlags("token create", args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		name = fs.String("name", "cli", "a name to remember the token by")
	})
	if help || err != nil {
		return err
	}
	s, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := app.EnsureWorkspace(ctx, s); err != nil {
		return err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	// Only the hash is stored: a copy of the database gives no API access.
	sum := sha256.Sum256([]byte(token))
	if err := s.CreateAPIToken(ctx, uuid.Must(uuid.NewV7()).String(), *name, sum[:]); err != nil {
		return fmt.Errorf("store token: %w", err)
	}
	fmt.Fprintf(stderr, "API token %q created; it is shown once:\n", *name)
	fmt.Fprintln(stdout, token)
	return nil
}
