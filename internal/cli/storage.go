package cli

import (
	"errors"
	"flag"
	"io"

	"github.com/patchbay/patchbay/internal/config"
)

// parseStorageFlags parses the flags of a command that opens the database
// without serving (token, secrets): the storage flags plus the command's
// own, added by own. help is true when the user asked for -h (the usage is
// printed already).
func parseStorageFlags(name string, args []string, stderr io.Writer, getenv func(string) string, own func(*flag.FlagSet)) (cfg config.Config, help bool, err error) {
	cfg = config.Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.StorageFlags(fs)
	if own != nil {
		own(fs)
	}
	if err := config.Parse(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, true, nil
		}
		return cfg, false, err
	}
	return cfg, false, cfg.Validate()
}
